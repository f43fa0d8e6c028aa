//! Accounts, passwords, invite codes and sessions (DESIGN §1–2).

pub mod rules;
pub mod service;

pub use rules::{normalize_phone, validate_password};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::error::{AppError, AppResult};

/// argon2id with OWASP parameters (19 MiB, t=2, p=1) unless told otherwise.
///
/// Each hash allocates its memory cost, so hashes run at most one per core at a time; a short
/// queue waits for a turn and anything beyond it is answered `RATE_LIMITED` at once, so a burst
/// of sign-ins cannot exhaust memory.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<tokio::sync::Semaphore>,
    admitted: Arc<AtomicUsize>,
    max_admitted: usize,
}

/// Requests that may wait for a hashing turn, per core.
pub const HASH_QUEUE_PER_CORE: usize = 8;

impl PasswordHasher {
    pub fn new(memory_kib: u32) -> Self {
        let params = Params::new(memory_kib, 2, 1, None).unwrap_or_default();
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Self {
            params,
            permits: Arc::new(tokio::sync::Semaphore::new(cores)),
            admitted: Arc::new(AtomicUsize::new(0)),
            max_admitted: cores * (1 + HASH_QUEUE_PER_CORE),
        }
    }

    /// Runs `work` (hashing or verifying) on a blocking thread when a core is free; beyond the
    /// queue, `RATE_LIMITED` without waiting.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&PasswordHasher) -> T + Send + 'static,
    ) -> AppResult<T> {
        struct Admitted(Arc<AtomicUsize>);
        impl Drop for Admitted {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.max_admitted {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::RateLimited);
        }
        let admitted = Admitted(self.admitted.clone());
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let _turn = (permit, admitted);
            work(&me)
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    }

    /// Parameters are read from the stored hash, so older hashes keep verifying.
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        match PasswordHash::new(stored) {
            Ok(parsed) => self
                .argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Spend the time of one verification without an account, so that an unknown phone and a
    /// wrong password take as long.
    pub fn burn(&self, password: &str) {
        let _ = self.hash(password);
    }
}
