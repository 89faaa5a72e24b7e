//! Integration configs: public settings plus a sealed secret.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Secret;
use crate::error::StoreError;
use crate::model::TenantId;
use crate::secret::KeyRing;

/// Which external system an integration connects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IntegrationKind {
    /// amoCRM / Kommo.
    Amocrm,
    /// Radist.Online messenger.
    Radist,
    /// An LLM provider.
    Ai,
    /// Telegram bot delivery.
    Telegram,
    /// The client's Supabase data layer.
    Supabase,
    /// A user-defined integration.
    Custom(String),
}

impl IntegrationKind {
    /// The snake_case name used in configs and the store.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Amocrm => "amocrm",
            Self::Radist => "radist",
            Self::Ai => "ai",
            Self::Telegram => "telegram",
            Self::Supabase => "supabase",
            Self::Custom(name) => name,
        }
    }
}

impl fmt::Display for IntegrationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of the last connection check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IntegrationStatus {
    /// Never checked.
    #[default]
    Unknown,
    /// The last check passed.
    Ok,
    /// The last check failed; see `last_error`.
    Error,
    /// A check is in progress.
    Pending,
}

/// An encrypted secret as stored: which key sealed it, the nonce and the ciphertext.
///
/// Seal and open it with a [`KeyRing`] (AES-256-GCM, bound to the tenant and the integration kind).
/// `Debug` shows the key id and sizes, never the bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SealedSecret {
    /// Id of the key that sealed the secret (keys rotate).
    pub key_id: String,
    /// AEAD nonce.
    pub nonce: Vec<u8>,
    /// AEAD ciphertext with tag.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedSecret")
            .field("key_id", &self.key_id)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// One integration of a tenant. One per (tenant, kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationConfig {
    /// Owning tenant.
    pub tenant: TenantId,
    /// What it connects.
    pub kind: IntegrationKind,
    /// Result of the last connection check.
    pub status: IntegrationStatus,
    /// Public settings (base URL, company id, model name…), shown in the cabinet.
    pub settings: serde_json::Value,
    /// Credentials, sealed; never shown again after saving.
    pub secret: SealedSecret,
    /// The last check's error, redacted.
    pub last_error: Option<String>,
    /// When the connection was last checked.
    pub last_checked_at: Option<DateTime<Utc>>,
}

impl IntegrationConfig {
    /// A new integration whose `secret` is sealed with `ring`'s active key for this tenant and
    /// kind; status unknown, never checked.
    ///
    /// # Errors
    /// [`StoreError::Crypto`] if sealing fails.
    pub fn sealed(
        tenant: TenantId,
        kind: IntegrationKind,
        settings: serde_json::Value,
        secret: &Secret<String>,
        ring: &KeyRing,
    ) -> Result<Self, StoreError> {
        let secret = ring.seal(tenant, &kind, secret)?;
        Ok(Self {
            tenant,
            kind,
            status: IntegrationStatus::Unknown,
            settings,
            secret,
            last_error: None,
            last_checked_at: None,
        })
    }

    /// Opens the integration's secret.
    ///
    /// # Errors
    /// [`StoreError::Crypto`] naming the tenant and the integration when it does not open (unknown
    /// key id, wrong key, tampered or moved ciphertext). Never an empty secret.
    pub fn open_secret(&self, ring: &KeyRing) -> Result<Secret<String>, StoreError> {
        ring.open(self.tenant, &self.kind, &self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SealingKey;

    #[test]
    fn sealed_config_opens_and_a_broken_one_is_an_error_naming_it() {
        let ring = KeyRing::new("k1", SealingKey::from_bytes([1; 32])).unwrap();
        let cfg = IntegrationConfig::sealed(
            TenantId(5),
            IntegrationKind::Radist,
            serde_json::json!({"company_id": 1}),
            &Secret::new("key".into()),
            &ring,
        )
        .unwrap();
        assert_eq!(cfg.open_secret(&ring).unwrap().expose(), "key");
        let dbg = format!("{cfg:?}");
        assert!(
            dbg.contains("ciphertext_len") && !dbg.contains("nonce: ["),
            "{dbg}"
        );
        let mut broken = cfg;
        broken.secret.ciphertext.truncate(3);
        let err = broken.open_secret(&ring).unwrap_err().to_string();
        assert!(err.contains("radist") && err.contains("tenant 5"), "{err}");
    }
}
