//! [`RadistConfig`]: everything a tenant configures for Radist, from TOML/JSON (serde) or the
//! environment.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use synkro_core::Secret;
use synkro_core::error::ConfigError;
use synkro_core::model::{Channel, IntegrationConfig, IntegrationKind};

/// The public API host.
pub const DEFAULT_BASE_URL: &str = "https://api.radist.online/v2";

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}
fn default_channels() -> Vec<Channel> {
    vec![Channel::Whatsapp, Channel::Waba]
}
fn default_rps() -> f64 {
    4.0
}
fn default_listing_rps() -> f64 {
    1.0
}
fn default_burst() -> u32 {
    1
}
fn default_concurrency() -> usize {
    4
}
fn default_timeout_secs() -> u64 {
    30
}
fn default_page_size() -> u32 {
    100
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret<String>, D::Error> {
    String::deserialize(d).map(Secret::new)
}

/// A tenant's Radist settings.
///
/// ```toml
/// base_url = "https://api.radist.online/v2"   # optional
/// api_key = "…"
/// company_id = 12345
/// channels = ["whatsapp", "waba", "telegram"] # optional; WhatsApp and WABA by default
/// requests_per_second = 4.0                   # optional
/// listing_requests_per_second = 1.0           # optional, chat and contact listings
/// ```
///
/// `Debug` never shows the key.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RadistConfig {
    /// API root, `https://api.radist.online/v2` by default. Plain `http` only for loopback hosts.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The `X-Api-Key`.
    #[serde(deserialize_with = "secret")]
    pub api_key: Secret<String>,
    /// The company to read.
    pub company_id: i64,
    /// Channel types to read (`whatsapp`, `waba`, `telegram`, `telegram_bot`, `max`, `other`).
    #[serde(default = "default_channels")]
    pub channels: Vec<Channel>,
    /// Requests per second overall, for this key.
    #[serde(default = "default_rps")]
    pub requests_per_second: f64,
    /// Requests per second to the chat and contact listings (on top of the overall budget).
    #[serde(default = "default_listing_rps")]
    pub listing_requests_per_second: f64,
    /// Requests the overall budget may send at once after a quiet spell (1 = evenly spaced; 2
    /// lets a request that woke up late be made up for, at the cost of two requests close
    /// together). Listings always use 1.
    #[serde(default = "default_burst")]
    pub burst: u32,
    /// Chats whose messages are fetched at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Total time per request, seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Page size asked for (1..=100).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Treat a short page of messages as the end of the chat (saves a request per chat; off
    /// until verified against the live API).
    #[serde(default)]
    pub trust_short_page: bool,
}

impl fmt::Debug for RadistConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RadistConfig")
            .field("base_url", &self.base_url)
            .field("company_id", &self.company_id)
            .field("channels", &self.channels)
            .field("requests_per_second", &self.requests_per_second)
            .field(
                "listing_requests_per_second",
                &self.listing_requests_per_second,
            )
            .field("burst", &self.burst)
            .field("concurrency", &self.concurrency)
            .field("timeout_secs", &self.timeout_secs)
            .field("page_size", &self.page_size)
            .field("trust_short_page", &self.trust_short_page)
            .finish_non_exhaustive()
    }
}

impl RadistConfig {
    /// A configuration with the defaults for everything but the key and the company.
    #[must_use]
    pub fn new(api_key: Secret<String>, company_id: i64) -> Self {
        Self {
            base_url: default_base_url(),
            api_key,
            company_id,
            channels: default_channels(),
            requests_per_second: default_rps(),
            listing_requests_per_second: default_listing_rps(),
            burst: default_burst(),
            concurrency: default_concurrency(),
            timeout_secs: default_timeout_secs(),
            page_size: default_page_size(),
            trust_short_page: false,
        }
    }

    /// Reads `SYNKRO_RADIST_API_KEY`, `SYNKRO_RADIST_COMPANY_ID` and optionally
    /// `SYNKRO_RADIST_BASE_URL` and `SYNKRO_RADIST_CHANNELS` (comma-separated, e.g.
    /// `whatsapp,waba,telegram`).
    ///
    /// # Errors
    /// [`ConfigError::Missing`] or [`ConfigError::Invalid`] naming the variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `get` (for tests and other
    /// sources of settings).
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let key = get("SYNKRO_RADIST_API_KEY")
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| ConfigError::missing("SYNKRO_RADIST_API_KEY"))?;
        let company = get("SYNKRO_RADIST_COMPANY_ID")
            .ok_or_else(|| ConfigError::missing("SYNKRO_RADIST_COMPANY_ID"))?;
        let company_id = company.trim().parse::<i64>().map_err(|_| {
            ConfigError::invalid(
                "SYNKRO_RADIST_COMPANY_ID",
                format!("`{company}` is not a number; use the numeric company id from Radist"),
            )
        })?;
        let mut cfg = Self::new(Secret::new(key.trim().to_owned()), company_id);
        if let Some(url) = get("SYNKRO_RADIST_BASE_URL").filter(|u| !u.trim().is_empty()) {
            cfg.base_url = url.trim().to_owned();
        }
        if let Some(list) = get("SYNKRO_RADIST_CHANNELS").filter(|u| !u.trim().is_empty()) {
            cfg.channels =
                list.split(',')
                    .map(|c| {
                        serde_json::from_value(serde_json::Value::String(c.trim().to_owned()))
                            .map_err(|_| {
                                ConfigError::invalid(
                                    "SYNKRO_RADIST_CHANNELS",
                                    format!(
                                        "`{}` is not a channel; use whatsapp, waba, telegram, \
                                     telegram_bot, max or other",
                                        c.trim()
                                    ),
                                )
                            })
                    })
                    .collect::<Result<_, _>>()?;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// The settings of a stored integration (`settings` holds everything but the key, which
    /// comes unsealed in `api_key`).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when the integration is not a Radist one or a setting is wrong
    /// (the field is named); [`ConfigError::Missing`] for `company_id`.
    pub fn from_integration(
        integration: &IntegrationConfig,
        api_key: &Secret<String>,
    ) -> Result<Self, ConfigError> {
        if integration.kind != IntegrationKind::Radist {
            return Err(ConfigError::invalid(
                "kind",
                format!("`{}` is not a radist integration", integration.kind),
            ));
        }
        let mut settings = match &integration.settings {
            serde_json::Value::Object(o) => o.clone(),
            serde_json::Value::Null => serde_json::Map::new(),
            _ => {
                return Err(ConfigError::invalid(
                    "settings",
                    "must be an object such as {\"company_id\": 12345}",
                ));
            }
        };
        if settings.contains_key("api_key") {
            return Err(ConfigError::invalid(
                "settings.api_key",
                "the key belongs in the sealed secret, not in the public settings",
            ));
        }
        if !settings.contains_key("company_id") {
            return Err(ConfigError::missing("settings.company_id"));
        }
        settings.insert(
            "api_key".into(),
            serde_json::Value::String(api_key.expose().clone()),
        );
        let cfg: Self = serde_path_to_error::deserialize(serde_json::Value::Object(settings))
            .map_err(|e| {
                ConfigError::invalid(
                    format!("settings.{}", e.path()),
                    // serde's message names the expected type; it never echoes the key.
                    e.inner().to_string(),
                )
            })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every value.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the field and what is accepted.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.company_id <= 0 || self.company_id > i64::from(i32::MAX) {
            return Err(ConfigError::invalid(
                "company_id",
                format!("{} is outside 1..=2147483647", self.company_id),
            ));
        }
        if self.api_key.expose().trim().is_empty() {
            return Err(ConfigError::missing("api_key"));
        }
        for (field, v) in [
            ("requests_per_second", self.requests_per_second),
            (
                "listing_requests_per_second",
                self.listing_requests_per_second,
            ),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 10_000.0) {
                return Err(ConfigError::invalid(
                    field,
                    format!("{v} is not a rate in (0, 10000] requests per second"),
                ));
            }
        }
        if !(1..=100).contains(&self.burst) {
            return Err(ConfigError::invalid(
                "burst",
                format!("{} is outside 1..=100", self.burst),
            ));
        }
        if self.concurrency == 0 || self.concurrency > 256 {
            return Err(ConfigError::invalid(
                "concurrency",
                format!("{} is outside 1..=256", self.concurrency),
            ));
        }
        if !(1..=100).contains(&self.page_size) {
            return Err(ConfigError::invalid(
                "page_size",
                format!("{} is outside 1..=100", self.page_size),
            ));
        }
        if self.timeout_secs == 0 {
            return Err(ConfigError::invalid("timeout_secs", "must be at least 1"));
        }
        if self.channels.is_empty() {
            return Err(ConfigError::invalid(
                "channels",
                "name at least one channel, e.g. [\"whatsapp\", \"waba\"]",
            ));
        }
        Ok(())
    }

    /// The request timeout.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_config_parses_and_debug_hides_the_key() {
        let env = |k: &str| {
            Some(match k {
                "SYNKRO_RADIST_API_KEY" => "top-secret-key".to_owned(),
                "SYNKRO_RADIST_COMPANY_ID" => "42".to_owned(),
                "SYNKRO_RADIST_CHANNELS" => "whatsapp, telegram".to_owned(),
                _ => return None,
            })
        };
        let cfg = RadistConfig::from_lookup(env).unwrap();
        assert_eq!(cfg.company_id, 42);
        assert_eq!(cfg.channels, [Channel::Whatsapp, Channel::Telegram]);
        assert_eq!(cfg.base_url, DEFAULT_BASE_URL);
        let dbg = format!("{cfg:?}");
        assert!(
            !dbg.contains("top-secret-key") && dbg.contains("company_id"),
            "{dbg}"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err =
            RadistConfig::from_lookup(|k| (k == "SYNKRO_RADIST_API_KEY").then(|| "k".to_owned()))
                .unwrap_err();
        assert!(
            err.to_string().contains("SYNKRO_RADIST_COMPANY_ID"),
            "{err}"
        );
        let err = RadistConfig::from_lookup(|k| match k {
            "SYNKRO_RADIST_API_KEY" => Some("k".into()),
            "SYNKRO_RADIST_COMPANY_ID" => Some("acme".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("not a number"), "{err}");
        let err = RadistConfig::from_lookup(|k| match k {
            "SYNKRO_RADIST_API_KEY" => Some("k".into()),
            "SYNKRO_RADIST_COMPANY_ID" => Some("1".into()),
            "SYNKRO_RADIST_CHANNELS" => Some("icq".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("icq"), "{err}");
    }

    #[test]
    fn a_stored_integration_becomes_a_config() {
        let mut integration = IntegrationConfig {
            tenant: synkro_core::model::TenantId(1),
            kind: IntegrationKind::Radist,
            status: synkro_core::model::IntegrationStatus::Unknown,
            settings: serde_json::json!({"company_id": 5, "channels": ["whatsapp"]}),
            secret: synkro_core::model::SealedSecret::default(),
            last_error: None,
            last_checked_at: None,
        };
        let key = Secret::new("sealed-key".to_owned());
        let cfg = RadistConfig::from_integration(&integration, &key).unwrap();
        assert_eq!(
            (cfg.company_id, cfg.api_key.expose().as_str()),
            (5, "sealed-key")
        );
        integration.settings = serde_json::json!({"company_id": "five"});
        let err = RadistConfig::from_integration(&integration, &key).unwrap_err();
        assert!(err.to_string().contains("settings.company_id"), "{err}");
        assert!(!err.to_string().contains("sealed-key"), "{err}");
        integration.kind = IntegrationKind::Amocrm;
        assert!(RadistConfig::from_integration(&integration, &key).is_err());
    }

    #[test]
    fn json_config_uses_defaults_and_rejects_unknown_keys() {
        let cfg: RadistConfig =
            serde_json::from_str(r#"{"api_key":"k","company_id":7,"channels":["waba"]}"#).unwrap();
        assert_eq!(cfg.requests_per_second, 4.0);
        assert_eq!(cfg.channels, [Channel::Waba]);
        assert!(
            serde_json::from_str::<RadistConfig>(r#"{"api_key":"k","company_id":7,"rps":3}"#)
                .is_err()
        );
        let mut bad = cfg.clone();
        bad.page_size = 500;
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("page_size")
        );
    }
}
