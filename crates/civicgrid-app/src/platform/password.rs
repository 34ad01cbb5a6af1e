//! Password hashing with argon2id, off the async runtime and with bounded concurrency.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use crate::{AppError, AppResult};

pub(crate) struct Hasher {
    permits: Semaphore,
    /// Verified against when the username does not exist, so that timing does not tell.
    dummy_hash: String,
}

impl Hasher {
    pub(crate) fn new(concurrency: usize) -> Hasher {
        let dummy_hash = new_salt()
            .and_then(|salt| {
                Argon2::default()
                    .hash_password(b"not a password anyone has", &salt)
                    .map(|h| h.to_string())
            })
            .unwrap_or_default();
        Hasher {
            permits: Semaphore::new(concurrency.max(1)),
            dummy_hash,
        }
    }

    pub(crate) async fn hash(&self, password: String) -> AppResult<String> {
        let _permit = self.permits.acquire().await.map_err(internal)?;
        tokio::task::spawn_blocking(move || {
            let salt = new_salt().map_err(internal)?;
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(internal)
        })
        .await
        .map_err(internal)?
    }

    /// True when `password` matches `stored`; `None` checks against a dummy hash and
    /// returns false, taking the same time.
    pub(crate) async fn verify(&self, password: String, stored: Option<String>) -> AppResult<bool> {
        let _permit = self.permits.acquire().await.map_err(internal)?;
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(internal)?;
        Ok(known && ok)
    }
}

/// 128 random bits for a salt.
fn new_salt() -> Result<SaltString, argon2::password_hash::Error> {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    SaltString::encode_b64(&bytes)
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::Internal(Box::new(e))
}
