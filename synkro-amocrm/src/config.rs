//! [`AmoCrmConfig`]: the account and credentials as read from a config file (serde) or the
//! environment, and the client built from it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Deserializer};
use synkro_core::Secret;
use synkro_core::error::{BoxError, ConfigError};
use synkro_core::model::IntegrationConfig;

use crate::auth::{AmoAuth, FileTokenStore, OAuthApp, OAuthSession, OAuthTokens, TokenStore};
use crate::client::{AmoCrmClient, AmoCrmClientBuilder};

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret<String>, D::Error> {
    String::deserialize(d).map(Secret::new)
}

fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret<String>>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(Secret::new))
}

fn default_domain() -> String {
    "amocrm.ru".to_owned()
}

/// OAuth settings.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OAuthConfig {
    /// Integration id.
    pub client_id: String,
    /// Integration secret key.
    #[serde(deserialize_with = "secret")]
    pub client_secret: Secret<String>,
    /// The redirect URI registered for the integration.
    pub redirect_uri: String,
    /// A refresh token to start from when `token_file` holds none yet.
    #[serde(default, deserialize_with = "opt_secret")]
    pub refresh_token: Option<Secret<String>>,
    /// Where rotated tokens are saved (required: every refresh spends the old refresh token).
    pub token_file: Option<PathBuf>,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("token_file", &self.token_file)
            .finish_non_exhaustive()
    }
}

/// An amoCRM account and its credentials.
///
/// TOML (e.g. the `[amocrm]` table of a batch config):
/// ```toml
/// base_url = "https://acme.amocrm.ru"   # or: subdomain = "acme", domain = "kommo.com"
/// token = "long-lived token"            # or an [amocrm.oauth] table:
/// # [amocrm.oauth]
/// # client_id = "…"; client_secret = "…"; redirect_uri = "https://…"
/// # refresh_token = "…"; token_file = "/var/lib/synkro/amocrm-tokens.json"
/// max_rps = 5.0
/// ```
/// `Debug` shows no secret.
#[derive(Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AmoCrmConfig {
    /// The account address, `https://acme.amocrm.ru` (allow-listed; plain http only on loopback).
    pub base_url: Option<String>,
    /// Or the account subdomain…
    pub subdomain: Option<String>,
    /// …under this domain (`amocrm.ru` by default, `kommo.com`, `amocrm.com`).
    #[serde(default = "default_domain")]
    pub domain: String,
    /// A long-lived token.
    #[serde(default, deserialize_with = "opt_secret")]
    pub token: Option<Secret<String>>,
    /// OAuth instead of a long-lived token.
    pub oauth: Option<OAuthConfig>,
    /// Requests per second (default 7, at most 7).
    pub max_rps: Option<f64>,
    /// Timeout of one request in seconds (default 30).
    pub timeout_secs: Option<u64>,
    /// Ids of custom fields that hold phone numbers besides `PHONE`.
    #[serde(default)]
    pub phone_field_ids: Vec<i64>,
}

impl fmt::Debug for AmoCrmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmoCrmConfig")
            .field("base_url", &self.base_url)
            .field("subdomain", &self.subdomain)
            .field("domain", &self.domain)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("oauth", &self.oauth)
            .field("max_rps", &self.max_rps)
            .finish_non_exhaustive()
    }
}

/// Environment variables read by [`AmoCrmConfig::from_env`].
pub const ENV_VARS: [&str; 9] = [
    "SYNKRO_AMOCRM_BASE_URL",
    "SYNKRO_AMOCRM_TOKEN",
    "SYNKRO_AMOCRM_CLIENT_ID",
    "SYNKRO_AMOCRM_CLIENT_SECRET",
    "SYNKRO_AMOCRM_REFRESH_TOKEN",
    "SYNKRO_AMOCRM_REDIRECT_URI",
    "SYNKRO_AMOCRM_TOKEN_FILE",
    "SYNKRO_AMOCRM_MAX_RPS",
    "SYNKRO_AMOCRM_PHONE_FIELD_IDS",
];

impl AmoCrmConfig {
    /// Reads [`ENV_VARS`]: `SYNKRO_AMOCRM_BASE_URL` plus either `SYNKRO_AMOCRM_TOKEN` or
    /// `SYNKRO_AMOCRM_CLIENT_ID` / `_CLIENT_SECRET` / `_REDIRECT_URI` / `_REFRESH_TOKEN` /
    /// `_TOKEN_FILE`; optional `_MAX_RPS` and `_PHONE_FIELD_IDS` (comma-separated).
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable that is missing or malformed.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `get`.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let base_url = Some(
            var("SYNKRO_AMOCRM_BASE_URL")
                .ok_or_else(|| ConfigError::missing("SYNKRO_AMOCRM_BASE_URL"))?,
        );
        let oauth = match var("SYNKRO_AMOCRM_CLIENT_ID") {
            None => None,
            Some(client_id) => Some(OAuthConfig {
                client_id,
                client_secret: Secret::new(
                    var("SYNKRO_AMOCRM_CLIENT_SECRET")
                        .ok_or_else(|| ConfigError::missing("SYNKRO_AMOCRM_CLIENT_SECRET"))?,
                ),
                redirect_uri: var("SYNKRO_AMOCRM_REDIRECT_URI")
                    .ok_or_else(|| ConfigError::missing("SYNKRO_AMOCRM_REDIRECT_URI"))?,
                refresh_token: var("SYNKRO_AMOCRM_REFRESH_TOKEN").map(Secret::new),
                token_file: var("SYNKRO_AMOCRM_TOKEN_FILE").map(PathBuf::from),
            }),
        };
        let max_rps = var("SYNKRO_AMOCRM_MAX_RPS")
            .map(|v| {
                v.parse::<f64>().map_err(|_| {
                    ConfigError::invalid("SYNKRO_AMOCRM_MAX_RPS", format!("`{v}` is not a number"))
                })
            })
            .transpose()?;
        let phone_field_ids = var("SYNKRO_AMOCRM_PHONE_FIELD_IDS")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().parse::<i64>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| {
                        ConfigError::invalid(
                            "SYNKRO_AMOCRM_PHONE_FIELD_IDS",
                            "expected comma-separated integer field ids",
                        )
                    })
            })
            .transpose()?
            .unwrap_or_default();
        let cfg = Self {
            base_url,
            token: var("SYNKRO_AMOCRM_TOKEN").map(Secret::new),
            oauth,
            max_rps,
            phone_field_ids,
            ..Self::default()
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks that an account and exactly one kind of credentials are set.
    ///
    /// # Errors
    /// [`ConfigError`] naming the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.base_url.is_none() && self.subdomain.is_none() {
            return Err(ConfigError::missing("base_url"));
        }
        match (&self.token, &self.oauth) {
            (Some(_), Some(_)) => Err(ConfigError::invalid(
                "token",
                "set either `token` (long-lived) or `oauth`, not both",
            )),
            (None, None) => Err(ConfigError::invalid(
                "token",
                "no credentials: set `token` (a long-lived token) or `oauth`",
            )),
            (None, Some(o)) if o.token_file.is_none() => Err(ConfigError::missing(
                "oauth.token_file (every refresh spends the refresh token, so the new one must be \
                 saved)",
            )),
            (None, Some(o)) if o.client_id.trim().is_empty() => {
                Err(ConfigError::missing("oauth.client_id"))
            }
            _ => Ok(()),
        }
    }

    /// A builder with the account, credentials and limits set, to adjust further.
    ///
    /// # Errors
    /// As [`validate`](Self::validate).
    pub fn builder(&self) -> Result<AmoCrmClientBuilder, ConfigError> {
        self.validate()?;
        let mut b = AmoCrmClient::builder();
        b = match (&self.base_url, &self.subdomain) {
            (Some(url), _) => b.account_url(url),
            (None, Some(sub)) => b.subdomain(sub, &self.domain),
            (None, None) => return Err(ConfigError::missing("base_url")),
        };
        let auth = match (&self.token, &self.oauth) {
            (Some(t), _) => AmoAuth::long_lived(t.clone()),
            (None, Some(o)) => {
                let file = o
                    .token_file
                    .clone()
                    .ok_or_else(|| ConfigError::missing("oauth.token_file"))?;
                let store = SeededTokenStore {
                    inner: Arc::new(FileTokenStore::new(file)),
                    seed: o.refresh_token.clone().map(OAuthTokens::from_refresh_token),
                };
                AmoAuth::oauth(OAuthSession::new(
                    OAuthApp {
                        client_id: o.client_id.clone(),
                        client_secret: o.client_secret.clone(),
                        redirect_uri: o.redirect_uri.clone(),
                    },
                    Arc::new(store),
                ))
            }
            (None, None) => return Err(ConfigError::missing("token")),
        };
        b = b.auth(auth).phone_field_ids(self.phone_field_ids.clone());
        if let Some(rps) = self.max_rps {
            b = b.max_rps(rps);
        }
        if let Some(t) = self.timeout_secs {
            b = b.timeout(Duration::from_secs(t.max(1)));
        }
        Ok(b)
    }
}

/// A store that falls back to a configured refresh token until it holds a pair of its own.
#[derive(Debug)]
struct SeededTokenStore {
    inner: Arc<dyn TokenStore>,
    seed: Option<OAuthTokens>,
}

#[async_trait]
impl TokenStore for SeededTokenStore {
    async fn load(&self) -> Result<Option<OAuthTokens>, BoxError> {
        Ok(self.inner.load().await?.or_else(|| self.seed.clone()))
    }

    async fn save(&self, tokens: &OAuthTokens) -> Result<(), BoxError> {
        self.inner.save(tokens).await
    }
}

impl AmoCrmClient {
    /// A client from configuration.
    ///
    /// # Errors
    /// [`ConfigError`] naming the bad setting.
    pub fn from_config(cfg: &AmoCrmConfig) -> Result<Self, ConfigError> {
        cfg.builder()?.build()
    }

    /// A client from a stored integration: `settings` holds the public part of
    /// [`AmoCrmConfig`] (`base_url` or `subdomain`/`domain`, `max_rps`, `phone_field_ids`) and
    /// `secret` the long-lived token.
    ///
    /// # Errors
    /// [`ConfigError`] naming the bad setting; OAuth integrations need a [`TokenStore`] backed by
    /// the deployment's store and are built with the builder instead.
    pub fn from_integration(
        cfg: &IntegrationConfig,
        secret: &Secret<String>,
    ) -> Result<Self, ConfigError> {
        let mut c: AmoCrmConfig = serde_json::from_value(cfg.settings.clone())
            .map_err(|e| ConfigError::invalid("settings", format!("not amoCRM settings: {e}")))?;
        if c.token.is_some() || c.oauth.is_some() {
            return Err(ConfigError::invalid(
                "settings",
                "credentials belong in the sealed secret, not in the public settings",
            ));
        }
        c.token = Some(secret.clone());
        Self::from_config(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn env_with_a_token_builds_a_client_and_debug_hides_it() {
        let cfg = AmoCrmConfig::from_vars(vars(&[
            ("SYNKRO_AMOCRM_BASE_URL", "https://acme.amocrm.ru"),
            ("SYNKRO_AMOCRM_TOKEN", "tok-123-secret"),
            ("SYNKRO_AMOCRM_MAX_RPS", "5"),
        ]))
        .unwrap();
        assert!(!format!("{cfg:?}").contains("tok-123-secret"));
        let client = AmoCrmClient::from_config(&cfg).unwrap();
        assert_eq!(client.base_url().as_str(), "https://acme.amocrm.ru/");
        assert!((client.rate_limiter().rate() - 5.0).abs() < f64::EPSILON);
        assert!(!format!("{client:?}").contains("tok-123-secret"));
    }

    #[test]
    fn env_errors_name_the_variable() {
        let err = AmoCrmConfig::from_vars(vars(&[])).unwrap_err().to_string();
        assert!(err.contains("SYNKRO_AMOCRM_BASE_URL"), "{err}");
        let err = AmoCrmConfig::from_vars(vars(&[
            ("SYNKRO_AMOCRM_BASE_URL", "https://acme.amocrm.ru"),
            ("SYNKRO_AMOCRM_CLIENT_ID", "id"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("SYNKRO_AMOCRM_CLIENT_SECRET"), "{err}");
        let err = AmoCrmConfig::from_vars(vars(&[
            ("SYNKRO_AMOCRM_BASE_URL", "https://acme.amocrm.ru"),
            ("SYNKRO_AMOCRM_TOKEN", "t"),
            ("SYNKRO_AMOCRM_MAX_RPS", "fast"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("MAX_RPS"), "{err}");
        let cfg = AmoCrmConfig::from_vars(vars(&[
            ("SYNKRO_AMOCRM_BASE_URL", "https://evil.example"),
            ("SYNKRO_AMOCRM_TOKEN", "t"),
        ]))
        .unwrap();
        assert!(
            AmoCrmClient::from_config(&cfg).is_err(),
            "foreign hosts are refused"
        );
    }

    #[test]
    fn oauth_config_deserializes_requires_a_token_file_and_hides_secrets() {
        let cfg: AmoCrmConfig = serde_json::from_str(
            r#"{"subdomain":"acme","domain":"kommo.com","oauth":{"client_id":"cid",
            "client_secret":"cs-secret","redirect_uri":"https://example.invalid/cb",
            "refresh_token":"rt-secret"}}"#,
        )
        .unwrap();
        let dbg = format!("{cfg:?}");
        assert!(
            !dbg.contains("cs-secret") && !dbg.contains("rt-secret"),
            "{dbg}"
        );
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("token_file")
        );
        let mut ok = cfg.clone();
        if let Some(o) = ok.oauth.as_mut() {
            o.token_file = Some(std::env::temp_dir().join("synkro-amocrm-unused.json"));
        }
        let client = AmoCrmClient::from_config(&ok).unwrap();
        assert_eq!(client.base_url().as_str(), "https://acme.kommo.com/");
        assert!(serde_json::from_str::<AmoCrmConfig>(r#"{"base_url":"x","tokn":"y"}"#).is_err());
    }
}
