//! [`Secret`]: a value that never shows up in `Debug`, logs or serialized output; and [`KeyRing`],
//! which seals integration secrets with AES-256-GCM for storage.
//!
//! Sealing binds a ciphertext to its tenant and integration kind (they are the AEAD's associated
//! data), so a sealed secret copied to another tenant or another integration does not open. Keys
//! carry an id; a ring holds one active key (used to seal) and any number of retired keys (used to
//! open what they sealed), so keys rotate without downtime: add the new key as active, re-seal
//! with [`KeyRing::reseal`], then drop the old key.

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{ConfigError, StoreError};
use crate::model::{IntegrationKind, SealedSecret, TenantId};

/// Wraps a credential (token, API key, password) so it cannot leak by accident.
///
/// `Debug` prints `Secret([redacted])`; there is no `Display` and no `Serialize`. Read the value
/// with [`Secret::expose`] at the one place that must send it.
///
/// ```
/// use synkro_core::Secret;
/// let token = Secret::new("s3cr3t".to_owned());
/// assert_eq!(format!("{token:?}"), "Secret([redacted])");
/// assert_eq!(token.expose(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub const fn new(value: T) -> Self {
        Self(value)
    }

    /// The wrapped value. Call it only where the value is sent to its service.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

/// Length of an AES-256 key in bytes.
pub const KEY_LEN: usize = 32;

/// One 256-bit sealing key. Zeroed on drop; `Debug` never shows it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SealingKey([u8; KEY_LEN]);

impl SealingKey {
    /// A key from raw bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// A fresh random key from the operating system's generator.
    #[must_use]
    pub fn generate() -> Self {
        let key = Key::<Aes256Gcm>::generate();
        let mut bytes = [0u8; KEY_LEN];
        bytes.copy_from_slice(key.as_slice());
        Self(bytes)
    }

    /// A key from 64 hexadecimal digits (how keys are written in configuration).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `field` when the text is not 64 hex digits.
    pub fn from_hex(field: &str, hex: &str) -> Result<Self, ConfigError> {
        let hex = hex.trim();
        if hex.len() != KEY_LEN * 2 {
            return Err(ConfigError::invalid(
                field,
                format!(
                    "a sealing key must be {} hex digits, got {}",
                    KEY_LEN * 2,
                    hex.len()
                ),
            ));
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            let digit = |b: u8| (b as char).to_digit(16);
            match (digit(pair[0]), digit(pair[1])) {
                (Some(hi), Some(lo)) => bytes[i] = u8::try_from(hi * 16 + lo).unwrap_or(0),
                _ => {
                    return Err(ConfigError::invalid(
                        field,
                        "a sealing key may hold only hex digits 0-9 and a-f",
                    ));
                }
            }
        }
        Ok(Self(*bytes))
    }

    /// The key as 64 lower-case hex digits, for writing a generated key into configuration.
    #[must_use]
    pub fn to_hex(&self) -> Secret<String> {
        use fmt::Write as _;
        let mut out = String::with_capacity(KEY_LEN * 2);
        for b in &self.0 {
            let _ = write!(out, "{b:02x}");
        }
        Secret::new(out)
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey([redacted])")
    }
}

/// Sealing keys by id: one active key seals, every key opens what it sealed.
///
/// ```
/// use synkro_core::store::{KeyRing, SealingKey};
/// use synkro_core::model::{IntegrationKind, TenantId};
/// use synkro_core::Secret;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ring = KeyRing::parse("k1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
/// let sealed = ring.seal(TenantId(7), &IntegrationKind::Amocrm, &Secret::new("token".to_owned()))?;
/// assert_eq!(sealed.key_id, "k1");
/// let opened = ring.open(TenantId(7), &IntegrationKind::Amocrm, &sealed)?;
/// assert_eq!(opened.expose(), "token");
/// // Bound to its tenant and kind:
/// assert!(ring.open(TenantId(8), &IntegrationKind::Amocrm, &sealed).is_err());
/// assert!(format!("{ring:?}").contains("k1") && !format!("{ring:?}").contains("0102"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct KeyRing {
    active: String,
    keys: BTreeMap<String, SealingKey>,
}

impl KeyRing {
    /// A ring whose active key is `key`, named `id`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for an empty id or one holding `=`, `,` or whitespace.
    pub fn new(id: impl Into<String>, key: SealingKey) -> Result<Self, ConfigError> {
        let id = id.into();
        check_key_id(&id)?;
        let mut keys = BTreeMap::new();
        keys.insert(id.clone(), key);
        Ok(Self { active: id, keys })
    }

    /// A ring from configuration text: `id=hex[,id=hex…]`. The first key is active; the others
    /// are retired keys kept to open secrets they sealed.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] for empty text; [`ConfigError::Invalid`] naming the bad entry
    /// (never echoing key material) for a malformed entry or a duplicate id.
    pub fn parse(spec: &str) -> Result<Self, ConfigError> {
        let mut ring: Option<Self> = None;
        for (i, entry) in spec.split(',').map(str::trim).enumerate() {
            if entry.is_empty() {
                continue;
            }
            let field = format!("secret_keys[{i}]");
            let (id, hex) = entry
                .split_once('=')
                .ok_or_else(|| ConfigError::invalid(&field, "expected `id=64 hex digits`"))?;
            let key = SealingKey::from_hex(&field, hex)?;
            match ring.as_mut() {
                None => ring = Some(Self::new(id.trim(), key)?),
                Some(r) => {
                    if r.keys.contains_key(id.trim()) {
                        return Err(ConfigError::invalid(
                            field,
                            format!("key id `{}` appears twice", id.trim()),
                        ));
                    }
                    r.add_retired(id.trim(), key)?;
                }
            }
        }
        ring.ok_or_else(|| ConfigError::missing("secret_keys"))
    }

    /// Adds a key that opens old secrets but seals nothing.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a bad id.
    pub fn add_retired(
        &mut self,
        id: impl Into<String>,
        key: SealingKey,
    ) -> Result<(), ConfigError> {
        let id = id.into();
        check_key_id(&id)?;
        self.keys.entry(id).or_insert(key);
        Ok(())
    }

    /// Makes `key` the active key under `id`; the previous active key stays to open old secrets.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a bad id.
    pub fn rotate(&mut self, id: impl Into<String>, key: SealingKey) -> Result<(), ConfigError> {
        let id = id.into();
        check_key_id(&id)?;
        self.keys.insert(id.clone(), key);
        self.active = id;
        Ok(())
    }

    /// Removes a retired key (after every secret it sealed was re-sealed). The active key stays.
    pub fn remove(&mut self, id: &str) -> bool {
        id != self.active && self.keys.remove(id).is_some()
    }

    /// The id of the key that seals.
    #[must_use]
    pub fn active_key_id(&self) -> &str {
        &self.active
    }

    /// Seals `plaintext` for `tenant`'s integration of `kind` with the active key and a fresh
    /// random nonce.
    ///
    /// # Errors
    /// [`StoreError::Crypto`] naming the tenant and integration if encryption fails.
    pub fn seal(
        &self,
        tenant: TenantId,
        kind: &IntegrationKind,
        plaintext: &Secret<String>,
    ) -> Result<SealedSecret, StoreError> {
        let key = self
            .keys
            .get(&self.active)
            .ok_or_else(|| crypto_error(tenant, kind, "the active key is missing"))?;
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key.0));
        let nonce = Nonce::generate();
        let aad = aad(tenant, kind);
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.expose().as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| crypto_error(tenant, kind, "encryption failed"))?;
        Ok(SealedSecret {
            key_id: self.active.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    /// Opens a secret sealed for `tenant`'s integration of `kind`.
    ///
    /// # Errors
    /// [`StoreError::Crypto`] naming the tenant and integration when the key id is unknown, the
    /// nonce is malformed, or the ciphertext does not authenticate (wrong key, tampered bytes, or
    /// sealed for another tenant or integration). Never an empty secret.
    pub fn open(
        &self,
        tenant: TenantId,
        kind: &IntegrationKind,
        sealed: &SealedSecret,
    ) -> Result<Secret<String>, StoreError> {
        let key = self.keys.get(&sealed.key_id).ok_or_else(|| {
            crypto_error(
                tenant,
                kind,
                &format!("key `{}` is not in the key ring", sealed.key_id),
            )
        })?;
        let nonce = Nonce::try_from(sealed.nonce.as_slice())
            .map_err(|_| crypto_error(tenant, kind, "the nonce is malformed"))?;
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key.0));
        let aad = aad(tenant, kind);
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &nonce,
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: &aad,
                    },
                )
                .map_err(|_| crypto_error(tenant, kind, "the ciphertext does not authenticate"))?,
        );
        let text = std::str::from_utf8(&plain)
            .map_err(|_| crypto_error(tenant, kind, "the plaintext is not UTF-8"))?;
        Ok(Secret::new(text.to_owned()))
    }

    /// Whether `sealed` was sealed with a key other than the active one.
    #[must_use]
    pub fn needs_reseal(&self, sealed: &SealedSecret) -> bool {
        sealed.key_id != self.active
    }

    /// Re-seals a secret under the active key; `None` when it already uses it.
    ///
    /// # Errors
    /// As [`KeyRing::open`] and [`KeyRing::seal`].
    pub fn reseal(
        &self,
        tenant: TenantId,
        kind: &IntegrationKind,
        sealed: &SealedSecret,
    ) -> Result<Option<SealedSecret>, StoreError> {
        if !self.needs_reseal(sealed) {
            return Ok(None);
        }
        let plain = self.open(tenant, kind, sealed)?;
        self.seal(tenant, kind, &plain).map(Some)
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("active", &self.active)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn check_key_id(id: &str) -> Result<(), ConfigError> {
    if id.is_empty() || id.contains(['=', ',']) || id.contains(char::is_whitespace) {
        return Err(ConfigError::invalid(
            "secret_keys",
            format!("key id `{id}` must be non-empty without `=`, `,` or spaces"),
        ));
    }
    Ok(())
}

/// The associated data: the ciphertext belongs to this tenant's integration of this kind.
fn aad(tenant: TenantId, kind: &IntegrationKind) -> Vec<u8> {
    format!("synkro:v1:tenant={tenant}:integration={}", kind.as_str()).into_bytes()
}

fn crypto_error(tenant: TenantId, kind: &IntegrationKind, why: &str) -> StoreError {
    StoreError::Crypto {
        what: format!("integration `{kind}` of tenant {tenant} ({why})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::new("k1", SealingKey::from_bytes([7; KEY_LEN])).unwrap()
    }

    #[test]
    fn seal_then_open_round_trips_with_fresh_nonces() {
        let r = ring();
        let s = Secret::new("api-key-123".to_owned());
        let a = r.seal(TenantId(1), &IntegrationKind::Radist, &s).unwrap();
        let b = r.seal(TenantId(1), &IntegrationKind::Radist, &s).unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_eq!(
            r.open(TenantId(1), &IntegrationKind::Radist, &a)
                .unwrap()
                .expose(),
            "api-key-123"
        );
    }

    #[test]
    fn a_secret_moved_to_another_tenant_or_kind_does_not_open_and_names_both() {
        let r = ring();
        let s = r
            .seal(
                TenantId(1),
                &IntegrationKind::Amocrm,
                &Secret::new("t".into()),
            )
            .unwrap();
        let err = r
            .open(TenantId(2), &IntegrationKind::Amocrm, &s)
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("tenant 2") && text.contains("amocrm"),
            "{text}"
        );
        assert!(matches!(err, StoreError::Crypto { .. }));
        assert!(r.open(TenantId(1), &IntegrationKind::Radist, &s).is_err());
        let mut tampered = s.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(
            r.open(TenantId(1), &IntegrationKind::Amocrm, &tampered)
                .is_err()
        );
    }

    #[test]
    fn rotation_reseals_under_the_new_key_and_the_old_key_can_go() {
        let mut r = ring();
        let kind = IntegrationKind::Telegram;
        let old = r
            .seal(TenantId(3), &kind, &Secret::new("bot-token".into()))
            .unwrap();
        r.rotate("k2", SealingKey::generate()).unwrap();
        assert!(r.needs_reseal(&old));
        let new = r.reseal(TenantId(3), &kind, &old).unwrap().unwrap();
        assert_eq!(new.key_id, "k2");
        assert!(r.reseal(TenantId(3), &kind, &new).unwrap().is_none());
        assert!(r.remove("k1"));
        assert!(!r.remove("k2"), "the active key stays");
        assert_eq!(
            r.open(TenantId(3), &kind, &new).unwrap().expose(),
            "bot-token"
        );
        let err = r.open(TenantId(3), &kind, &old).unwrap_err().to_string();
        assert!(err.contains("k1") && err.contains("tenant 3"), "{err}");
    }

    #[test]
    fn parse_rejects_bad_keys_without_echoing_them_and_debug_hides_keys() {
        let hex = "ab".repeat(32);
        let r = KeyRing::parse(&format!("new={hex}, old={}", "cd".repeat(32))).unwrap();
        assert_eq!(r.active_key_id(), "new");
        let dbg = format!("{r:?}");
        assert!(
            dbg.contains("old") && !dbg.contains("abab") && !dbg.contains("cdcd"),
            "{dbg}"
        );
        assert!(!format!("{:?}", SealingKey::from_bytes([0xab; 32])).contains("ab"));
        let err = KeyRing::parse("k=zz").unwrap_err().to_string();
        assert!(
            err.contains("secret_keys[0]") && !err.contains("zz"),
            "{err}"
        );
        let secret_hex = "g1".repeat(32);
        let err = KeyRing::parse(&format!("k={secret_hex}"))
            .unwrap_err()
            .to_string();
        assert!(!err.contains(&secret_hex), "{err}");
        assert!(KeyRing::parse(&format!("a={hex},a={hex}")).is_err());
        assert!(KeyRing::parse(" ").is_err());
        let k = SealingKey::generate();
        let back = SealingKey::from_hex("k", k.to_hex().expose()).unwrap();
        assert_eq!(back.0, k.0);
    }
}
