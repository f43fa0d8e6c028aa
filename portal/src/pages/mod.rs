//! One file per page.

pub mod claim;
pub mod communities;
pub mod home;
pub mod inbox;
pub mod not_found;
pub mod residents;
pub mod roster_import;
pub mod signin;
pub mod signout;
