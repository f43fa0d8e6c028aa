//! Pure rules of the topic lifecycle.
