//! A stateful fake amoCRM API v4 server on 127.0.0.1, seeded from a [`Dataset`].
//!
//! It writes the real wire shapes on its own (HAL envelopes, `_links.next`, 204 on empty lists,
//! `filter[...]` parameters, `with=contacts`, `with=only_deleted` (the dataset's deleted deals as
//! `{id, updated_at, is_deleted: true}`, never in the plain leads listing), pages of at most 250 —
//! events 100, where a larger `limit` serves 50 items like amoCRM does). The dataset's calls are
//! call notes and its manual notes `common` notes (of leads or contacts, filtered by `note_type`
//! and `updated_at`); its stage and responsible changes, chat messages and closed conversations
//! are events (`lead_status_changed`, `entity_responsible_changed`, `incoming_chat_message`,
//! `outgoing_chat_message` with `value_after` `message{id, talk_id, origin}`, `talk_closed` with
//! `talk{id}`, filtered by `type` and `created_at`); each talk id of those events, and one talk per
//! chat (ids 1, 2, …), is served by `/api/v4/talks/{id}`. It checks bearer tokens (a long-lived
//! token, and OAuth access tokens that expire and refresh tokens that rotate and are single use),
//! enforces a request rate (429 with or without `Retry-After`, HTML or empty bodies, an account
//! block after repeated violations), injects faults, adds latency, and logs every request.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use synkro_testkit::fake::amocrm_server::{FakeAmoCrm, FakeAmoCrmOptions};
//! use synkro_testkit::{Dataset, DatasetSpec};
//! let end = "2026-03-11T00:00:00Z".parse().unwrap();
//! let data = Arc::new(Dataset::generate(&DatasetSpec::small(1, end)));
//! let fake = FakeAmoCrm::start(data, FakeAmoCrmOptions::default()).await?;
//! println!("{}", fake.base_url());
//! assert!(fake.requests().is_empty());
//! # Ok(()) }
//! ```

mod handler;
mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::data::Dataset;

pub use wire::{ACCOUNT_ID, PHONE_FIELD_ID};

/// The long-lived token the fake accepts by default.
pub const DEFAULT_TOKEN: &str = "fake-long-lived-token";

/// Request-rate enforcement.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitRule {
    /// Requests per second refilled.
    pub per_second: f64,
    /// Requests that may arrive at once.
    pub burst: u32,
    /// `Retry-After` seconds sent with a 429 (`None`: no header).
    pub retry_after: Option<u64>,
    /// Whether a 429 carries an HTML page (else an empty body).
    pub html: bool,
    /// Block the account (HTML 403 on every request) after this many 429s.
    pub block_after: Option<usize>,
}

impl RateLimitRule {
    /// amoCRM's limit: 7 requests per second, burst of 7, HTML 429 without `Retry-After`.
    #[must_use]
    pub fn amocrm() -> Self {
        Self {
            per_second: 7.0,
            burst: 7,
            retry_after: None,
            html: true,
            block_after: None,
        }
    }
}

/// OAuth settings of the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOAuth {
    /// Accepted `client_id`.
    pub client_id: String,
    /// Accepted `client_secret`.
    pub client_secret: String,
    /// Accepted `redirect_uri`.
    pub redirect_uri: String,
    /// The valid refresh token at start.
    pub refresh_token: String,
    /// An authorization code that may be exchanged once.
    pub auth_code: Option<String>,
    /// Lifetime of issued access tokens.
    pub access_ttl: Duration,
}

impl Default for FakeOAuth {
    fn default() -> Self {
        Self {
            client_id: "fake-client".into(),
            client_secret: "fake-client-secret".into(),
            redirect_uri: "https://example.invalid/oauth/callback".into(),
            refresh_token: "refresh-0".into(),
            auth_code: Some("auth-code-1".into()),
            access_ttl: Duration::from_secs(86_400),
        }
    }
}

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct FakeAmoCrmOptions {
    /// Delay before every answer.
    pub latency: Duration,
    /// Rate enforcement (`None`: unlimited).
    pub rate_limit: Option<RateLimitRule>,
    /// The long-lived token accepted (`None`: only OAuth tokens).
    pub long_lived_token: Option<String>,
    /// OAuth (`None`: the token endpoint refuses everything).
    pub oauth: Option<FakeOAuth>,
    /// Largest page of leads, contacts, users and notes.
    pub max_limit: usize,
}

impl Default for FakeAmoCrmOptions {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            rate_limit: None,
            long_lived_token: Some(DEFAULT_TOKEN.into()),
            oauth: None,
            max_limit: 250,
        }
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer this status with an HTML body.
    Status(u16),
    /// Answer this status with a problem+json body.
    Problem(u16),
    /// 429, with `Retry-After` seconds or not, HTML body or empty.
    RateLimited {
        /// `Retry-After` seconds.
        retry_after: Option<u64>,
        /// HTML body.
        html: bool,
    },
    /// Block the account: HTML 403 on this and every later request.
    Block,
    /// Start a 200 answer, then reset the connection mid-body.
    Reset,
    /// Never answer (until the client gives up).
    Hang,
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// 200 with the real body cut in half.
    Truncated,
    /// 401 as for an expired token.
    Unauthorized,
}

/// A fault rule: requests whose path starts with `path_prefix` (all when `None`) pass `skip`
/// times, then fail `times` times (forever when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Which paths.
    pub path_prefix: Option<String>,
    /// Matching requests answered normally first.
    pub skip: usize,
    /// How many matching requests fail (`None`: all later ones).
    pub times: Option<usize>,
}

impl Fault {
    /// `kind` on every request to paths under `prefix`, `times` times.
    #[must_use]
    pub fn on(prefix: &str, kind: FaultKind, times: usize) -> Self {
        Self {
            kind,
            path_prefix: Some(prefix.to_owned()),
            skip: 0,
            times: Some(times),
        }
    }
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query string (percent-encoded).
    pub query: String,
    /// Status answered (0 when the connection was reset or abandoned).
    pub status: u16,
    /// When it arrived, since the server started.
    pub at: Duration,
}

impl RecordedRequest {
    /// Decoded query pairs.
    #[must_use]
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The value of query parameter `key` (first one).
    #[must_use]
    pub fn param(&self, key: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

#[derive(Debug)]
struct FaultState {
    rule: Fault,
    seen: usize,
    fired: usize,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
pub(crate) struct State {
    started: Instant,
    log: Vec<RecordedRequest>,
    faults: Vec<FaultState>,
    bucket: Option<Bucket>,
    rate_limited: usize,
    blocked: bool,
    /// Valid access tokens and their expiry.
    access: HashMap<String, Instant>,
    refresh_valid: Option<String>,
    refresh_spent: HashSet<String>,
    code_used: bool,
    issued: usize,
    reused_refresh: usize,
}

pub(crate) struct Shared {
    pub(crate) options: FakeAmoCrmOptions,
    pub(crate) wire: wire::Wire,
    pub(crate) base: String,
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake amoCRM. Dropping it stops the server.
pub struct FakeAmoCrm {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakeAmoCrm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAmoCrm")
            .field("base_url", &self.shared.base)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeAmoCrm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeAmoCrm {
    /// Starts a fake serving `data` on a free port of 127.0.0.1.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start(data: Arc<Dataset>, options: FakeAmoCrmOptions) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let wire = wire::build(&data, &base);
        let now = Instant::now();
        let state = State {
            started: now,
            log: Vec::new(),
            faults: Vec::new(),
            bucket: options.rate_limit.as_ref().map(|r| Bucket {
                tokens: f64::from(r.burst.max(1)),
                last: now,
            }),
            rate_limited: 0,
            blocked: false,
            access: HashMap::new(),
            refresh_valid: options.oauth.as_ref().map(|o| o.refresh_token.clone()),
            refresh_spent: HashSet::new(),
            code_used: false,
            issued: 0,
            reused_refresh: 0,
        };
        let shared = Arc::new(Shared {
            options,
            wire,
            base,
            state: Mutex::new(state),
        });
        let app = axum::Router::new()
            .fallback(handler::handle)
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { shared, task })
    }

    /// `http://127.0.0.1:port`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.shared.base
    }

    /// Every request so far, in arrival order.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.clone()
    }

    /// Requests that were not a `GET` under `/api/v4/` nor the OAuth token `POST`.
    #[must_use]
    pub fn non_read_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| {
                !((r.method == "GET" && r.path.starts_with("/api/v4/"))
                    || (r.method == "POST" && r.path == "/oauth2/access_token"))
            })
            .collect()
    }

    /// Replaces the fault rules (their counters start over).
    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.shared.lock().faults = faults
            .into_iter()
            .map(|rule| FaultState {
                rule,
                seen: 0,
                fired: 0,
            })
            .collect();
    }

    /// Blocks or unblocks the account.
    pub fn set_blocked(&self, blocked: bool) {
        self.shared.lock().blocked = blocked;
    }

    /// Whether the account is blocked.
    #[must_use]
    pub fn is_blocked(&self) -> bool {
        self.shared.lock().blocked
    }

    /// 429 answers sent so far.
    #[must_use]
    pub fn rate_limited(&self) -> usize {
        self.shared.lock().rate_limited
    }

    /// OAuth token pairs issued so far.
    #[must_use]
    pub fn tokens_issued(&self) -> usize {
        self.shared.lock().issued
    }

    /// Refresh attempts with an already-spent refresh token.
    #[must_use]
    pub fn reused_refresh_tokens(&self) -> usize {
        self.shared.lock().reused_refresh
    }

    /// The refresh token that is valid now.
    #[must_use]
    pub fn valid_refresh_token(&self) -> Option<String> {
        self.shared.lock().refresh_valid.clone()
    }

    /// Expires every issued access token (the next request with one gets 401).
    pub fn expire_access_tokens(&self) {
        self.shared.lock().access.clear();
    }
}
