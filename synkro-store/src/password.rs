//! Password hashing for cabinet users: argon2id with a random salt, in PHC string format.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use synkro_core::Secret;
use synkro_core::error::StoreError;
use synkro_core::store::PasswordHash;

/// Hashes a password with argon2id (default parameters) and a fresh random salt.
///
/// # Errors
/// [`StoreError::Crypto`] if the system random generator or argon2 fails.
pub fn hash_password(password: &Secret<String>) -> Result<PasswordHash, StoreError> {
    let hash = Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map_err(|e| StoreError::Crypto {
            what: format!("a password hash ({e})"),
        })?;
    Ok(PasswordHash::new(hash.to_string()))
}

/// Whether `password` matches `hash`. A malformed hash is a mismatch, never a panic.
#[must_use]
pub fn verify_password(password: &Secret<String>, hash: &PasswordHash) -> bool {
    let Ok(parsed) = argon2::password_hash::phc::PasswordHash::new(hash.as_str()) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.expose().as_bytes(), &parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let pw = Secret::new("correct horse".to_owned());
        let a = hash_password(&pw).unwrap();
        let b = hash_password(&pw).unwrap();
        assert_eq!(a.algorithm(), "argon2id");
        assert_ne!(a, b, "a fresh salt per hash");
        assert!(verify_password(&pw, &a));
        assert!(!verify_password(&Secret::new("wrong".into()), &a));
        assert!(!verify_password(
            &pw,
            &PasswordHash::new("not a phc string")
        ));
        assert!(!format!("{a:?}").contains(a.as_str()));
    }
}
