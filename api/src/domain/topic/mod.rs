//! Deliberation topics (DESIGN §3).

pub mod act;
pub mod committee;
pub mod pages;
pub mod read;
pub mod rules;
pub mod service;
