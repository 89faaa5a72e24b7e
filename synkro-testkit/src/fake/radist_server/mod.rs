//! A stateful fake Radist.Online v2 API server over a [`Dataset`]: the spec's paths and shapes,
//! cursor paging of `…/messaging/chats/with_contacts/`, `until` paging of `…/messaging/messages/`
//! (inclusive or exclusive), key and scope checks, 422 validation errors, latency, rate limits
//! answered with 429 (with or without `Retry-After`), scripted faults (5xx, connection resets,
//! malformed JSON) and a request log. Written from the spec, not from the client's types.
//!
//! ```no_run
//! # async fn demo(data: synkro_testkit::Dataset) -> std::io::Result<()> {
//! use synkro_testkit::fake::radist_server::{FakeRadist, RadistOptions};
//! let fake = FakeRadist::start(data, RadistOptions::default()).await?;
//! println!("{}", fake.base_url()); // http://127.0.0.1:PORT/v2
//! # Ok(()) }
//! ```

mod data;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use synkro_core::model::ChatId;
use synkro_core::ratelimit::RateLimiter;

use crate::data::Dataset;
use data::{Wire, ts};

/// The key the fake accepts unless told otherwise.
pub const FAKE_API_KEY: &str = "fake-radist-key";
/// The company id the fake serves unless told otherwise.
pub const FAKE_COMPANY_ID: i64 = 4242;

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct RadistOptions {
    /// The accepted `X-Api-Key`.
    pub api_key: String,
    /// The company.
    pub company_id: i64,
    /// The key's scopes (`messaging` and `connections` by default).
    pub scopes: Vec<String>,
    /// Added to every answer.
    pub latency: Duration,
    /// Requests per second before 429 (`None`: unlimited).
    pub overall_rps: Option<f64>,
    /// Requests per second to chat and contact listings before 429.
    pub listing_rps: Option<f64>,
    /// Requests allowed at once above the rate.
    pub burst: u32,
    /// `Retry-After` seconds sent with a rate-limit 429 (`None`: no header).
    pub retry_after_secs: Option<u64>,
    /// Whether `until` includes messages created exactly at it.
    pub until_inclusive: bool,
}

impl Default for RadistOptions {
    fn default() -> Self {
        Self {
            api_key: FAKE_API_KEY.to_owned(),
            company_id: FAKE_COMPANY_ID,
            scopes: vec!["messaging".into(), "connections".into()],
            latency: Duration::ZERO,
            overall_rps: None,
            listing_rps: None,
            burst: 2,
            retry_after_secs: Some(1),
            until_inclusive: true,
        }
    }
}

/// One way to answer badly.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RadistFault {
    /// This status with a small JSON body.
    Status(u16),
    /// 429, with this `Retry-After` (seconds) or none.
    TooManyRequests(Option<u64>),
    /// Headers are sent, then the connection drops mid-body.
    Reset,
    /// 200 with a body that is not JSON.
    MalformedJson,
}

/// Faults for the next `times` requests whose path contains `path` (all paths when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The fault.
    pub fault: RadistFault,
    /// Path filter.
    pub path: Option<String>,
    /// How many requests it hits.
    pub times: usize,
}

impl FaultRule {
    /// `fault` on the next `times` requests.
    #[must_use]
    pub fn next(fault: RadistFault, times: usize) -> Self {
        Self {
            fault,
            path: None,
            times,
        }
    }

    /// Only on paths containing `path`.
    #[must_use]
    pub fn on(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
    }
}

/// One request the fake answered (headers, and so the key, are never logged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// Method.
    pub method: String,
    /// Path, e.g. `/v2/companies/4242/messaging/messages/`.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// Status answered.
    pub status: u16,
}

struct Shared {
    wire: Wire,
    opts: RadistOptions,
    overall: Option<RateLimiter>,
    listing: Option<RateLimiter>,
    state: Mutex<Mutable>,
}

#[derive(Default)]
struct Mutable {
    log: Vec<LoggedRequest>,
    faults: Vec<FaultRule>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Mutable> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake; the server stops when the handle is dropped.
pub struct FakeRadist {
    base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakeRadist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeRadist")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeRadist {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn detail(status: StatusCode, msg: &str) -> Response {
    (status, axum::Json(json!({ "detail": msg }))).into_response()
}

fn invalid(loc: &[&str], msg: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({"detail": [{"loc": loc, "msg": msg, "type": "value_error"}]})),
    )
        .into_response()
}

fn query_pairs(q: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn one<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// The `limit` parameter, or `None` when it is out of 1..=100.
fn limit(q: &[(String, String)], default: usize) -> Option<usize> {
    match one(q, "limit") {
        None => Some(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=100).contains(n)),
    }
}

fn bad_limit() -> Response {
    invalid(
        &["query", "limit"],
        "Input should be greater than or equal to 1 and less than or equal to 100",
    )
}

fn encode_cursor(offset: usize) -> String {
    format!("{:x}", offset ^ 0x5eed_c0de)
}

fn decode_cursor(c: &str) -> Option<usize> {
    usize::from_str_radix(c, 16).ok().map(|v| v ^ 0x5eed_c0de)
}

impl FakeRadist {
    /// Serves `data` on 127.0.0.1 at a free port, under `/v2`.
    ///
    /// # Errors
    /// The socket could not be bound.
    pub async fn start(data: Dataset, opts: RadistOptions) -> std::io::Result<Self> {
        let limiter =
            |r: Option<f64>| r.and_then(|r| RateLimiter::with_burst(r, opts.burst.max(1)).ok());
        let shared = Arc::new(Shared {
            wire: Wire::build(&data),
            overall: limiter(opts.overall_rps),
            listing: limiter(opts.listing_rps),
            opts,
            state: Mutex::new(Mutable::default()),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            base_url: format!("http://{addr}/v2"),
            shared,
            task,
        })
    }

    /// `http://127.0.0.1:PORT/v2`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request so far.
    #[must_use]
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// Replaces the fault plan.
    pub fn set_faults(&self, faults: Vec<FaultRule>) {
        self.shared.lock().faults = faults;
    }

    /// The Radist `(connection_id, chat_id)` of a dataset chat.
    #[must_use]
    pub fn chat_ref(&self, chat: &ChatId) -> Option<(i64, i64)> {
        self.shared.wire.refs.get(chat).copied()
    }

    /// Connection id → channel type (`whatsapp`, `waba`, …) of every source.
    #[must_use]
    pub fn sources(&self) -> HashMap<i64, &'static str> {
        self.shared
            .wire
            .sources
            .iter()
            .map(|s| (s.connection_id, s.kind))
            .collect()
    }
}

async fn handle(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if !s.opts.latency.is_zero() {
        tokio::time::sleep(s.opts.latency).await;
    }
    let path = uri.path().to_owned();
    let resp = answer(&s, &method, &path, query.as_deref(), &headers);
    s.lock().log.push(LoggedRequest {
        method: method.to_string(),
        path,
        query: query.unwrap_or_default(),
        status: resp.status().as_u16(),
    });
    resp
}

fn fault_response(f: &RadistFault) -> Response {
    match f {
        RadistFault::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            detail(status, "Internal Server Error")
        }
        RadistFault::TooManyRequests(after) => too_many(*after),
        RadistFault::MalformedJson => (
            StatusCode::OK,
            [("content-type", "application/json")],
            "{\"data\": [ {\"contact_id\": 1,",
        )
            .into_response(),
        RadistFault::Reset => {
            let stream = futures::stream::iter(vec![
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"[{\"message_id\":")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "reset",
                )),
            ]);
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .header("content-length", "4096")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

fn too_many(after: Option<u64>) -> Response {
    let mut r = detail(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    if let Some(a) = after
        && let Ok(v) = a.to_string().parse()
    {
        r.headers_mut().insert("retry-after", v);
    }
    r
}

fn answer(
    s: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    // Scripted faults first.
    {
        let mut g = s.lock();
        if let Some(rule) = g
            .faults
            .iter_mut()
            .find(|r| r.times > 0 && r.path.as_deref().is_none_or(|p| path.contains(p)))
        {
            rule.times -= 1;
            let f = rule.fault.clone();
            drop(g);
            return fault_response(&f);
        }
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return detail(StatusCode::NOT_FOUND, "Not Found");
    };
    if method != Method::GET {
        return detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    if key != Some(s.opts.api_key.as_str()) {
        return detail(StatusCode::UNAUTHORIZED, "Not authenticated");
    }
    let listing = rest.contains("/messaging/chats/") || rest.contains("/contacts/");
    if listing
        && let Some(l) = &s.listing
        && !l.try_acquire()
    {
        return too_many(s.opts.retry_after_secs);
    }
    if let Some(l) = &s.overall
        && !l.try_acquire()
    {
        return too_many(s.opts.retry_after_secs);
    }
    let q = query_pairs(query);
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["users", "me"] => axum::Json(json!({
            "id": "00000000-0000-4000-8000-000000000001",
            "login": null, "email": null,
            "scopes": s.opts.scopes, "roles": ["integration"],
            "locale": "ru", "name": "API", "db_user_id": null, "permissions": [],
            "is_integration": true, "companies": [s.opts.company_id],
        }))
        .into_response(),
        ["companies", ""] => axum::Json(json!({
            "count": 1,
            "companies": [company(s.opts.company_id)],
        }))
        .into_response(),
        ["companies", id] => match id.parse::<i64>() {
            Ok(id) if id == s.opts.company_id => axum::Json(company(id)).into_response(),
            Ok(_) => detail(StatusCode::NOT_FOUND, "Company not found"),
            Err(_) => invalid(&["path", "company_id"], "Input should be a valid integer"),
        },
        ["companies", id, tail @ ..] => {
            if id.parse::<i64>().ok() != Some(s.opts.company_id) {
                return detail(StatusCode::NOT_FOUND, "Company not found");
            }
            company_scoped(s, tail, &q)
        }
        _ => detail(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn company(id: i64) -> Value {
    json!({
        "id": id, "name": "Demo Company", "owner_id": 1, "payments_locked": false,
        "timezone": "Europe/Moscow", "payment_currency": "RUB",
        "waba_360dialog_partner_id": null, "had_connections": true, "is_partner": false,
    })
}

fn has_scope(s: &Shared, scope: &str) -> bool {
    s.opts.scopes.iter().any(|x| x == scope)
}

fn company_scoped(s: &Shared, tail: &[&str], q: &[(String, String)]) -> Response {
    let need = if tail.first() == Some(&"connections") {
        "connections"
    } else {
        "messaging"
    };
    if !has_scope(s, need) {
        return detail(StatusCode::FORBIDDEN, "Not enough permissions");
    }
    match tail {
        ["messaging", "chats", "sources", ""] => axum::Json(
            s.wire
                .sources
                .iter()
                .map(|src| {
                    json!({
                        "connection_id": src.connection_id, "subscription": null,
                        "name": src.name, "type": src.kind,
                        "create_chat": {"with_phone": true, "with_username": false, "with_chat_id": false},
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        ["messaging", "chats", "with_contacts", ""] => with_contacts(s, q),
        ["messaging", "messages", ""] => messages(s, q),
        ["connections", ""] => {
            let types: Vec<&str> = q
                .iter()
                .filter(|(k, _)| k == "types")
                .map(|(_, v)| v.as_str())
                .collect();
            let list: Vec<Value> = s
                .wire
                .sources
                .iter()
                .filter(|c| types.is_empty() || types.contains(&c.kind))
                .map(|c| {
                    json!({
                        "id": c.connection_id, "name": c.name,
                        "radist_token": "00000000-0000-4000-8000-00000000dead",
                        "type": c.kind, "params": {"phone": null, "group_chats_enabled": false},
                        "last_status": {"status_type": "good", "status_subtype": "normal"},
                        "integrations": [],
                    })
                })
                .collect();
            axum::Json(json!({"count": list.len(), "connections": list})).into_response()
        }
        ["connections", id, "stats", "total"] => {
            let Ok(conn) = id.parse::<i64>() else {
                return invalid(&["path", "connection_id"], "Input should be a valid integer");
            };
            let (Some(since), Some(until)) = (
                one(q, "since").and_then(parse_time),
                one(q, "until").and_then(parse_time),
            ) else {
                return invalid(&["query", "since"], "Field required");
            };
            let (mut inbound, mut outbound) = (0u64, 0u64);
            for chat in s.wire.chats.values().filter(|c| c.connection_id == conn) {
                for (at, _, m) in &chat.messages {
                    if *at >= since && *at < until {
                        if m["direction"] == "inbound" {
                            inbound += 1;
                        } else {
                            outbound += 1;
                        }
                    }
                }
            }
            axum::Json(json!({
                "since": ts(since, true), "until": ts(until, true),
                "stats": {"total_inbound": inbound, "total_outbound": outbound},
            }))
            .into_response()
        }
        _ => detail(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn parse_time(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn with_contacts(s: &Shared, q: &[(String, String)]) -> Response {
    let Some(limit) = limit(q, 50) else {
        return bad_limit();
    };
    let offset = match one(q, "cursor") {
        None => 0,
        Some("") => {
            return invalid(
                &["query", "cursor"],
                "String should have at least 1 character",
            );
        }
        Some(c) => match decode_cursor(c) {
            Some(o) if o <= s.wire.contacts.len() => o,
            _ => return invalid(&["query", "cursor"], "Invalid cursor"),
        },
    };
    let end = (offset + limit).min(s.wire.contacts.len());
    let data: Vec<&Value> = s.wire.contacts[offset..end]
        .iter()
        .map(|c| &c.json)
        .collect();
    let next = if end < s.wire.contacts.len() {
        encode_cursor(end)
    } else {
        String::new()
    };
    axum::Json(json!({"data": data, "response_metadata": {"next_cursor": next}})).into_response()
}

fn messages(s: &Shared, q: &[(String, String)]) -> Response {
    let Some(limit) = limit(q, 50) else {
        return bad_limit();
    };
    let Some(chat_id) = one(q, "chat_id") else {
        return invalid(&["query", "chat_id"], "Field required");
    };
    let Ok(chat_id) = chat_id.parse::<i64>() else {
        return invalid(&["query", "chat_id"], "Input should be a valid integer");
    };
    let until = match one(q, "until") {
        None => None,
        Some(v) => match parse_time(v) {
            Some(t) => Some(t),
            None => return invalid(&["query", "until"], "Input should be a valid datetime"),
        },
    };
    let Some(chat) = s.wire.chats.get(&chat_id) else {
        return detail(StatusCode::NOT_FOUND, "Chat not found");
    };
    let inclusive = s.opts.until_inclusive;
    let page: Vec<&Value> = chat
        .messages
        .iter()
        .filter(|(at, _, _)| until.is_none_or(|u| if inclusive { *at <= u } else { *at < u }))
        .take(limit)
        .map(|(_, _, v)| v)
        .collect();
    axum::Json(page).into_response()
}
