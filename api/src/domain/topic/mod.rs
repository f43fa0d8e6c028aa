//! Deliberation topics (DESIGN §3).

pub mod rules;
pub mod service;
