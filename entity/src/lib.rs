//! Storage shapes of Jiayuan, one module per table. These are never the API types:
//! the GraphQL layer in `api` defines its own objects, so a column added here is not a field published.
//!
//! Conventions: ids are random UUID strings (no order leaks), times are UTC, floor areas are
//! integer hundredths of a square metre (`area_centi`), never floats.

pub mod account;
pub mod audit_head;
pub mod audit_log;
pub mod building;
pub mod community;
pub mod household;
pub mod invite;
pub mod notification;
pub mod outbox;
pub mod rate_limit;
pub mod refresh_token;
pub mod resident;
pub mod role_grant;
pub mod setting;
