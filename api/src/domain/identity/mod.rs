//! Accounts, passwords, invite codes and sessions (DESIGN §1–2).

pub mod rules;
pub mod service;

pub use rules::{normalize_phone, validate_password};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// argon2id with OWASP parameters (19 MiB, t=2, p=1) unless told otherwise.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32) -> Self {
        let params = Params::new(memory_kib, 2, 1, None).unwrap_or_default();
        Self { params }
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
