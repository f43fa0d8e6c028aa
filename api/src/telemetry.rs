//! Logging. Nothing logged may contain a password, a token, an invite code or a phone number:
//! log ids, counts and error codes instead.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests start many apps in one process) is harmless.
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
