//! Topic services.
