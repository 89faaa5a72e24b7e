//! Credentials: a long-lived token, or OAuth 2.0 with rotating single-use refresh tokens that are
//! persisted through a [`TokenStore`] before they are used, refreshed by one task at a time.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use synkro_core::Secret;
use synkro_core::error::BoxError;
use synkro_core::source::http_failure::HttpFailure;

use crate::error::{Failure, Problem};
use crate::transport::{TokenGrant, Transport};

/// How the client authenticates.
#[derive(Clone)]
#[non_exhaustive]
pub enum AmoAuth {
    /// A long-lived token of a private integration (1 day to 5 years). On 401 there is nothing to
    /// refresh: the token is wrong, revoked or expired.
    LongLived(Secret<String>),
    /// OAuth 2.0: an access token refreshed with a rotating refresh token.
    OAuth(OAuthSession),
}

impl AmoAuth {
    /// A long-lived token.
    #[must_use]
    pub fn long_lived(token: Secret<String>) -> Self {
        Self::LongLived(token)
    }

    /// OAuth through `session` (share one session between every client of an account).
    #[must_use]
    pub fn oauth(session: OAuthSession) -> Self {
        Self::OAuth(session)
    }
}

impl fmt::Debug for AmoAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LongLived(_) => f.write_str("AmoAuth::LongLived([redacted])"),
            Self::OAuth(s) => f.debug_tuple("AmoAuth::OAuth").field(s).finish(),
        }
    }
}

/// The integration's OAuth application: its id, secret and redirect URI.
#[derive(Clone)]
pub struct OAuthApp {
    /// Integration id (`client_id`).
    pub client_id: String,
    /// Integration secret key.
    pub client_secret: Secret<String>,
    /// The redirect URI registered for the integration.
    pub redirect_uri: String,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// An OAuth token pair and when the access token expires.
#[derive(Clone)]
pub struct OAuthTokens {
    /// The bearer token (a JWT, 24 h).
    pub access_token: Secret<String>,
    /// The single-use refresh token (rotated on every refresh, 3 months unused).
    pub refresh_token: Secret<String>,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
}

impl OAuthTokens {
    /// Only a refresh token (e.g. from configuration): the first request refreshes.
    #[must_use]
    pub fn from_refresh_token(refresh_token: Secret<String>) -> Self {
        Self {
            access_token: Secret::new(String::new()),
            refresh_token,
            expires_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn usable(&self, margin: Duration) -> bool {
        let margin =
            chrono::Duration::from_std(margin).unwrap_or_else(|_| chrono::Duration::zero());
        !self.access_token.expose().is_empty() && self.expires_at - margin > Utc::now()
    }
}

impl fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthTokens")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Durable storage of an account's token pair. `save` must be durable when it returns: the old
/// refresh token is already spent.
///
/// Several processes sharing one account should share one store and serialise refreshes
/// themselves (for example with a database row lock inside `save`'s caller); within a process,
/// one [`OAuthSession`] already serialises them.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The stored pair, if any.
    ///
    /// # Errors
    /// Any storage failure.
    async fn load(&self) -> Result<Option<OAuthTokens>, BoxError>;

    /// Replaces the stored pair.
    ///
    /// # Errors
    /// Any storage failure; the client then stops and reports it, since the new pair would be lost.
    async fn save(&self, tokens: &OAuthTokens) -> Result<(), BoxError>;
}

/// A token store in memory (tests, or a process that is re-authorised at every start).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<Option<OAuthTokens>>,
    saves: AtomicU64,
}

impl MemoryTokenStore {
    /// A store holding `initial`.
    #[must_use]
    pub fn new(initial: Option<OAuthTokens>) -> Self {
        Self {
            tokens: Mutex::new(initial),
            saves: AtomicU64::new(0),
        }
    }

    /// The pair held now.
    #[must_use]
    pub fn current(&self) -> Option<OAuthTokens> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How many times a pair was saved.
    #[must_use]
    pub fn saves(&self) -> u64 {
        self.saves.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<OAuthTokens>, BoxError> {
        Ok(self.current())
    }

    async fn save(&self, tokens: &OAuthTokens) -> Result<(), BoxError> {
        *self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(tokens.clone());
        self.saves.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A token store in a JSON file, replaced atomically (write, sync, rename) and readable only by
/// its owner on Unix.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct TokenFile {
    access_token: String,
    refresh_token: String,
    expires_at: DateTime<Utc>,
}

impl FileTokenStore {
    /// A store in `path` (created on the first save).
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self) -> Result<Option<OAuthTokens>, BoxError> {
        let bytes = match tokio::fs::read(&self.path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Box::new(e)),
        };
        let file: TokenFile = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "token file {} is not valid JSON at line {} column {}",
                self.path.display(),
                e.line(),
                e.column()
            )
        })?;
        Ok(Some(OAuthTokens {
            access_token: Secret::new(file.access_token),
            refresh_token: Secret::new(file.refresh_token),
            expires_at: file.expires_at,
        }))
    }

    async fn save(&self, tokens: &OAuthTokens) -> Result<(), BoxError> {
        let body = serde_json::to_vec_pretty(&TokenFile {
            access_token: tokens.access_token.expose().clone(),
            refresh_token: tokens.refresh_token.expose().clone(),
            expires_at: tokens.expires_at,
        })?;
        let tmp = self.path.with_extension("tmp");
        {
            use tokio::io::AsyncWriteExt as _;
            let mut opts = tokio::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            opts.mode(0o600);
            let mut f = opts.open(&tmp).await?;
            f.write_all(&body).await?;
            f.sync_all().await?;
        }
        tokio::fs::rename(&tmp, &self.path).await?;
        Ok(())
    }
}

/// One account's OAuth state: the app, the token store, the cached pair and the refresh lock.
/// Clones share everything, so give every client of one account the same session: refreshes
/// then never race and a refresh token is never spent twice.
#[derive(Clone)]
pub struct OAuthSession {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    app: OAuthApp,
    store: Arc<dyn TokenStore>,
    cached: Mutex<Option<OAuthTokens>>,
    refresh_lock: tokio::sync::Mutex<()>,
    margin: Duration,
    refreshes: AtomicU64,
}

impl fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthSession")
            .field("app", &self.inner.app)
            .field("store", &self.inner.store)
            .field("refreshes", &self.refreshes())
            .finish_non_exhaustive()
    }
}

impl OAuthSession {
    /// A session that refreshes 5 minutes before expiry.
    #[must_use]
    pub fn new(app: OAuthApp, store: Arc<dyn TokenStore>) -> Self {
        Self::with_margin(app, store, Duration::from_secs(300))
    }

    /// A session that refreshes `margin` before expiry.
    #[must_use]
    pub fn with_margin(app: OAuthApp, store: Arc<dyn TokenStore>, margin: Duration) -> Self {
        Self {
            inner: Arc::new(SessionInner {
                app,
                store,
                cached: Mutex::new(None),
                refresh_lock: tokio::sync::Mutex::new(()),
                margin,
                refreshes: AtomicU64::new(0),
            }),
        }
    }

    /// Refreshes this session performed (token requests sent).
    #[must_use]
    pub fn refreshes(&self) -> u64 {
        self.inner.refreshes.load(Ordering::SeqCst)
    }

    /// The app.
    #[must_use]
    pub fn app(&self) -> &OAuthApp {
        &self.inner.app
    }

    fn cached(&self) -> Option<OAuthTokens> {
        self.inner
            .cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_cached(&self, t: OAuthTokens) {
        *self
            .inner
            .cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(t);
    }

    async fn load(&self) -> Result<Option<OAuthTokens>, Failure> {
        self.inner.store.load().await.map_err(Failure::TokenStore)
    }

    /// A usable access token: the cached one, else the stored one, else a refresh.
    pub(crate) async fn access_token(&self, t: &Transport) -> Result<Secret<String>, Failure> {
        let current = match self.cached() {
            Some(c) => Some(c),
            None => self.load().await?,
        };
        match current {
            Some(c) if c.usable(self.inner.margin) => {
                self.set_cached(c.clone());
                Ok(c.access_token)
            }
            Some(c) => self.refresh(t, Some(&c.access_token)).await,
            None => Err(not_authorized(
                "no OAuth tokens are stored for this account; authorize the integration first",
            )),
        }
    }

    /// Refreshes unless another task already did: `stale` is the token that failed or expired.
    pub(crate) async fn refresh(
        &self,
        t: &Transport,
        stale: Option<&Secret<String>>,
    ) -> Result<Secret<String>, Failure> {
        let _one_at_a_time = self.inner.refresh_lock.lock().await;
        // Re-read: another task or process may have rotated the pair already.
        let current = match self.load().await? {
            Some(s) => s,
            None => self.cached().ok_or_else(|| {
                not_authorized(
                    "no OAuth tokens are stored for this account; authorize the integration first",
                )
            })?,
        };
        let rotated_by_someone_else =
            stale.is_none_or(|s| s.expose() != current.access_token.expose());
        if rotated_by_someone_else && current.usable(self.inner.margin) {
            self.set_cached(current.clone());
            return Ok(current.access_token);
        }
        let spent = current.refresh_token.clone();
        self.inner.refreshes.fetch_add(1, Ordering::SeqCst);
        let fresh = match t
            .token_request(&self.inner.app, TokenGrant::RefreshToken(&spent))
            .await
        {
            Ok(fresh) => fresh,
            Err(Failure::Http(HttpFailure::Unavailable(_))) => {
                // The answer was lost: the refresh token is probably spent. Never re-send it.
                if let Some(s) = self.load().await?
                    && s.refresh_token.expose() != spent.expose()
                    && s.usable(self.inner.margin)
                {
                    self.set_cached(s.clone());
                    return Ok(s.access_token);
                }
                return Err(not_authorized(
                    "the answer to the token refresh was lost, so the refresh token is probably \
                     spent; authorize the integration again",
                ));
            }
            Err(e) => return Err(e),
        };
        // Persist before use: the old refresh token is already dead.
        self.inner
            .store
            .save(&fresh)
            .await
            .map_err(Failure::TokenStore)?;
        self.set_cached(fresh.clone());
        Ok(fresh.access_token)
    }

    /// Exchanges an authorization code and stores the pair.
    pub(crate) async fn authorize(
        &self,
        t: &Transport,
        code: &Secret<String>,
    ) -> Result<(), Failure> {
        let _one_at_a_time = self.inner.refresh_lock.lock().await;
        let fresh = t
            .token_request(&self.inner.app, TokenGrant::AuthorizationCode(code))
            .await?;
        self.inner
            .store
            .save(&fresh)
            .await
            .map_err(Failure::TokenStore)?;
        self.set_cached(fresh);
        Ok(())
    }
}

fn not_authorized(detail: &str) -> Failure {
    Failure::Unauthenticated(Some(Problem {
        status: 401,
        detail: Some(detail.to_owned()),
        ..Problem::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let app = OAuthApp {
            client_id: "integration-1".into(),
            client_secret: Secret::new("client-secret-xyz".into()),
            redirect_uri: "https://example.invalid/cb".into(),
        };
        let tokens = OAuthTokens {
            access_token: Secret::new("access-abc".into()),
            refresh_token: Secret::new("refresh-def".into()),
            expires_at: Utc::now(),
        };
        let store = Arc::new(MemoryTokenStore::new(Some(tokens.clone())));
        let session = OAuthSession::new(app, store.clone());
        let text = format!(
            "{:?} {:?} {:?} {:?}",
            AmoAuth::oauth(session),
            tokens,
            store,
            AmoAuth::long_lived(Secret::new("long-lived-ghi".into()))
        );
        for secret in [
            "client-secret-xyz",
            "access-abc",
            "refresh-def",
            "long-lived-ghi",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("integration-1"));
    }

    #[tokio::test]
    async fn the_file_store_round_trips_and_a_missing_file_is_empty() {
        let dir = std::env::temp_dir().join(format!("synkro-amocrm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = FileTokenStore::new(dir.join("tokens.json"));
        assert!(store.load().await.unwrap().is_none());
        let at: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        store
            .save(&OAuthTokens {
                access_token: Secret::new("a1".into()),
                refresh_token: Secret::new("r1".into()),
                expires_at: at,
            })
            .await
            .unwrap();
        let back = store.load().await.unwrap().unwrap();
        assert_eq!(back.refresh_token.expose(), "r1");
        assert_eq!(back.expires_at, at);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
