//! One file per page.

pub mod awards;
pub mod ballot;
pub mod case;
pub mod cases;
pub mod claim;
pub mod communities;
pub mod events;
pub mod home;
pub mod inbox;
pub mod nomination;
pub mod not_found;
pub mod notice;
pub mod receipt;
pub mod residents;
pub mod review;
pub mod roll;
pub mod roster_import;
pub mod signin;
pub mod signout;
pub mod topic;
pub mod topic_new;
pub mod topics;
