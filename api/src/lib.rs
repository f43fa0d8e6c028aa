//! The Jiayuan server as a library, so that `main.rs` stays thin and the test binary starts
//! exactly what production starts (`startup::Application::build`).
//!
//! Reading order: `config` → `startup` → `error` → `auth` → `domain` (rules and services per
//! module) → `graphql` (transport only) → `http` (health, metrics, portal hosting).

pub mod auth;
pub mod bus;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod startup;
pub mod state;
pub mod telemetry;
