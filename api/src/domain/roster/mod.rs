//! The roster (DESIGN §1): import, invites, deactivation, roles.

pub mod rules;
pub mod service;
