//! The one request handler: log, latency, block, rate limit, faults, auth, routes.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::wire::Item;
use super::{FaultKind, RecordedRequest, Shared};

const BLOCK_PAGE: &str = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n\
<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const TOO_MANY: &str = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n\
<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// An answer before faults that alter bodies are applied.
enum Answer {
    Json(u16, &'static str, Value),
    NoContent,
    Html(u16, String, Option<u64>),
}

fn problem(status: u16, title: &str, detail: &str) -> Answer {
    Answer::Json(
        status,
        "application/problem+json",
        json!({"title": title, "type": format!("https://httpstatus.es/{status}"), "status": status, "detail": detail}),
    )
}

fn render(a: Answer) -> (u16, Response) {
    match a {
        Answer::NoContent => (204, StatusCode::NO_CONTENT.into_response()),
        Answer::Json(status, ct, v) => {
            let body = serde_json::to_vec(&v).unwrap_or_default();
            (status, with_type(status, ct, body))
        }
        Answer::Html(status, page, retry_after) => {
            let mut r = if page.is_empty() {
                with_type(status, "text/plain", Vec::new())
            } else {
                with_type(status, "text/html; charset=utf-8", page.into_bytes())
            };
            if let Some(secs) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            (status, r)
        }
    }
}

fn with_type(status: u16, ct: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

pub(crate) async fn handle(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    let idx = {
        let mut st = s.lock();
        let at = st.started.elapsed();
        st.log.push(RecordedRequest {
            method: method.as_str().to_owned(),
            path: path.clone(),
            query: query.clone(),
            status: 0,
            at,
        });
        st.log.len() - 1
    };
    if !s.options.latency.is_zero() {
        tokio::time::sleep(s.options.latency).await;
    }
    let (status, resp) = respond(&s, &method, &path, &query, &headers, &body).await;
    if let Some(r) = s.lock().log.get_mut(idx) {
        r.status = status;
    }
    resp
}

/// Decides the answer before routing: block, rate limit, injected fault.
fn gate(s: &Shared, path: &str) -> Result<Option<FaultKind>, Answer> {
    let mut st = s.lock();
    if st.blocked {
        return Err(Answer::Html(403, BLOCK_PAGE.into(), None));
    }
    if let (Some(rule), Some(bucket)) = (s.options.rate_limit.as_ref(), st.bucket.as_mut()) {
        let now = Instant::now();
        let refill = now.duration_since(bucket.last).as_secs_f64() * rule.per_second;
        bucket.tokens = (bucket.tokens + refill).min(f64::from(rule.burst.max(1)));
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
        } else {
            st.rate_limited += 1;
            if rule.block_after.is_some_and(|n| st.rate_limited >= n) {
                st.blocked = true;
            }
            let page = if rule.html {
                TOO_MANY.to_owned()
            } else {
                String::new()
            };
            return Err(Answer::Html(429, page, rule.retry_after));
        }
    }
    let mut fired = None;
    for f in &mut st.faults {
        if f.rule
            .path_prefix
            .as_deref()
            .is_some_and(|p| !path.starts_with(p))
        {
            continue;
        }
        f.seen += 1;
        if f.seen > f.rule.skip && f.rule.times.is_none_or(|t| f.fired < t) {
            f.fired += 1;
            fired = Some(f.rule.kind.clone());
            break;
        }
    }
    match fired {
        Some(FaultKind::Block) => {
            st.blocked = true;
            Err(Answer::Html(403, BLOCK_PAGE.into(), None))
        }
        Some(FaultKind::Status(code)) => Err(Answer::Html(
            code,
            format!("<html><body><h1>{code}</h1>nginx</body></html>"),
            None,
        )),
        Some(FaultKind::Problem(code)) => Err(problem(code, "Error", "Injected problem")),
        Some(FaultKind::RateLimited { retry_after, html }) => {
            st.rate_limited += 1;
            let page = if html {
                TOO_MANY.to_owned()
            } else {
                String::new()
            };
            Err(Answer::Html(429, page, retry_after))
        }
        Some(FaultKind::Unauthorized) => Err(problem(401, "Unauthorized", "Token expired")),
        other => Ok(other),
    }
}

async fn respond(
    s: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (u16, Response) {
    let fault = match gate(s, path) {
        Ok(f) => f,
        Err(a) => return render(a),
    };
    match fault {
        Some(FaultKind::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return render(problem(504, "Gateway Timeout", "hung"));
        }
        Some(FaultKind::Reset) => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"_page\":1,\"_links\":{")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "reset",
                )),
            ];
            let mut r = Response::new(Body::from_stream(futures::stream::iter(chunks)));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/hal+json"),
            );
            return (0, r);
        }
        Some(FaultKind::MalformedJson) => {
            return (
                200,
                with_type(
                    200,
                    "application/hal+json",
                    b"{\"_page\":1,\"_embedded\":{\"leads\":[}}".to_vec(),
                ),
            );
        }
        _ => {}
    }
    let answer = route(s, method, path, query, headers, body);
    if fault == Some(FaultKind::Truncated)
        && let Answer::Json(200, ct, v) = &answer
    {
        let full = serde_json::to_vec(v).unwrap_or_default();
        let cut = full[..full.len() / 2].to_vec();
        return (200, with_type(200, ct, cut));
    }
    render(answer)
}

fn authorized(s: &Shared, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    if s.options.long_lived_token.as_deref() == Some(token) {
        return true;
    }
    s.lock()
        .access
        .get(token)
        .is_some_and(|exp| *exp > Instant::now())
}

fn route(
    s: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    if path == "/oauth2/access_token" {
        return if method == Method::POST {
            token(s, body)
        } else {
            problem(405, "Method Not Allowed", "use POST")
        };
    }
    if method != Method::GET {
        return problem(405, "Method Not Allowed", "this fake is read-only");
    }
    if !authorized(s, headers) {
        return problem(401, "Unauthorized", "Неверный или просроченный токен");
    }
    let q: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let w = &s.wire;
    match path {
        "/api/v4/account" => Answer::Json(200, "application/hal+json", w.account.clone()),
        "/api/v4/users" => list(s, path, &q, &w.users, "users", false),
        "/api/v4/leads/pipelines" => Answer::Json(
            200,
            "application/hal+json",
            json!({
                "_total_items": w.pipelines.len(),
                "_links": {"self": {"href": format!("{}{path}", s.base)}},
                "_embedded": {"pipelines": w.pipelines},
            }),
        ),
        // `with=only_deleted` lists only the deleted (restorable) leads; the plain listing never
        // has them.
        "/api/v4/leads" if values(&q, &["with"]).iter().any(|v| v == "only_deleted") => {
            list(s, path, &q, &w.deleted_leads, "leads", false)
        }
        "/api/v4/leads" => list(s, path, &q, &w.leads, "leads", false),
        "/api/v4/contacts" => list(s, path, &q, &w.contacts, "contacts", false),
        "/api/v4/leads/notes" => list(s, path, &q, &w.lead_notes, "notes", false),
        "/api/v4/contacts/notes" => list(s, path, &q, &w.contact_notes, "notes", false),
        "/api/v4/events" => list(s, path, &q, &w.events, "events", true),
        p if p.starts_with("/api/v4/talks/") => {
            match p["/api/v4/talks/".len()..]
                .parse::<i64>()
                .ok()
                .and_then(|id| w.talks.get(&id))
            {
                Some(t) => Answer::Json(200, "application/hal+json", t.clone()),
                None => Answer::NoContent,
            }
        }
        _ => problem(404, "Not Found", "unknown route"),
    }
}

fn values(q: &[(String, String)], keys: &[&str]) -> Vec<String> {
    q.iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .flat_map(|(_, v)| v.split(',').map(str::to_owned).collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .collect()
}

fn int(q: &[(String, String)], key: &str) -> Option<i64> {
    q.iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}

fn list(
    s: &Shared,
    path: &str,
    q: &[(String, String)],
    items: &[Item],
    key: &str,
    events: bool,
) -> Answer {
    let ids: HashSet<String> = values(q, &["filter[id][]", "filter[id]"])
        .into_iter()
        .collect();
    let types: HashSet<String> = values(
        q,
        &[
            "filter[type][]",
            "filter[type]",
            "filter[note_type][]",
            "filter[note_type]",
        ],
    )
    .into_iter()
    .collect();
    let (uf, ut) = (
        int(q, "filter[updated_at][from]"),
        int(q, "filter[updated_at][to]"),
    );
    let (cf, ct) = (
        int(q, "filter[created_at][from]"),
        int(q, "filter[created_at][to]"),
    );
    let with: HashSet<String> = values(q, &["with"]).into_iter().collect();
    let mut matched: Vec<&Item> = items
        .iter()
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter(|i| types.is_empty() || types.contains(&i.kind))
        .filter(|i| uf.is_none_or(|f| i.updated_at >= f) && ut.is_none_or(|t| i.updated_at <= t))
        .filter(|i| cf.is_none_or(|f| i.created_at >= f) && ct.is_none_or(|t| i.created_at <= t))
        .collect();
    match q
        .iter()
        .find(|(k, _)| k == "order[updated_at]")
        .map(|(_, v)| v.as_str())
    {
        Some("asc") => matched.sort_by_key(|i| i.updated_at),
        Some("desc") => matched.sort_by_key(|i| std::cmp::Reverse(i.updated_at)),
        _ => {}
    }
    let cap = if events { 100 } else { s.options.max_limit };
    let asked = usize::try_from(int(q, "limit").unwrap_or(50).max(1)).unwrap_or(50);
    // amoCRM's events bug: a limit above 100 silently serves 50 while offsets use the limit.
    let (limit, served) = if events && asked > cap {
        (asked, 50)
    } else {
        (asked.min(cap), asked.min(cap))
    };
    let page = usize::try_from(int(q, "page").unwrap_or(1).max(1)).unwrap_or(1);
    let offset = (page - 1) * limit;
    let slice = matched.get(offset..).unwrap_or(&[]);
    let slice = &slice[..slice.len().min(served)];
    if slice.is_empty() {
        return Answer::NoContent;
    }
    let embedded: Vec<Value> = slice
        .iter()
        .map(|i| {
            let mut v = i.value.clone();
            // A deleted lead has only its id, update time and `is_deleted`.
            if key == "leads" && i.value["is_deleted"] != Value::Bool(true) {
                let contacts: Vec<Value> = if with.contains("contacts") {
                    i.contacts
                        .iter()
                        .enumerate()
                        .map(|(n, c)| json!({"id": c, "is_main": n == 0,
                            "_links": {"self": {"href": format!("{}/api/v4/contacts/{c}", s.base)}}}))
                        .collect()
                } else {
                    Vec::new()
                };
                let mut e = json!({"tags": [], "companies": []});
                if with.contains("contacts") {
                    e["contacts"] = Value::Array(contacts);
                }
                v["_embedded"] = e;
            }
            if key == "users" && with.contains("group") {
                let gid = v["rights"]["group_id"].as_i64();
                let groups: Vec<Value> = gid
                    .and_then(|g| s.wire.groups.get(&g).map(|n| json!({"id": g, "name": n})))
                    .into_iter()
                    .collect();
                v["_embedded"] = json!({"groups": groups});
            }
            v
        })
        .collect();
    let link = |p: usize| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in q.iter().filter(|(k, _)| k != "page") {
            ser.append_pair(k, v);
        }
        ser.append_pair("page", &p.to_string());
        format!("{}{path}?{}", s.base, ser.finish())
    };
    let mut links = json!({"self": {"href": link(page)}});
    if offset + limit < matched.len() {
        links["next"] = json!({"href": link(page + 1)});
    }
    if page > 1 {
        links["prev"] = json!({"href": link(page - 1)});
    }
    Answer::Json(
        200,
        "application/hal+json",
        json!({"_page": page, "_links": links, "_embedded": {key: embedded}}),
    )
}

fn token(s: &Shared, body: &[u8]) -> Answer {
    let Some(o) = s.options.oauth.as_ref() else {
        return problem(400, "Bad Request", "OAuth is not enabled on this fake");
    };
    let fields: Value = serde_json::from_slice(body).unwrap_or_else(|_| {
        Value::Object(
            url::form_urlencoded::parse(body)
                .into_owned()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    });
    let get = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let revoked = || {
        Answer::Json(
            401,
            "application/problem+json",
            json!({"hint": "Token has been revoked", "title": "Некорректный запрос",
                "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson", "status": 401,
                "detail": "В запросе отсутствует ряд параметров или параметры невалидны"}),
        )
    };
    if get("client_id") != o.client_id
        || get("client_secret") != o.client_secret
        || get("redirect_uri") != o.redirect_uri
    {
        return revoked();
    }
    let mut st = s.lock();
    match get("grant_type").as_str() {
        "refresh_token" => {
            let rt = get("refresh_token");
            if st.refresh_valid.as_deref() != Some(rt.as_str()) {
                if st.refresh_spent.contains(&rt) {
                    st.reused_refresh += 1;
                }
                return revoked();
            }
            st.refresh_spent.insert(rt);
        }
        "authorization_code" => {
            if st.code_used || o.auth_code.as_deref() != Some(get("code").as_str()) {
                return revoked();
            }
            st.code_used = true;
            if let Some(old) = st.refresh_valid.take() {
                st.refresh_spent.insert(old);
            }
        }
        _ => return problem(400, "Bad Request", "unsupported grant_type"),
    }
    st.issued += 1;
    let n = st.issued;
    let access = format!("access-{n}");
    let refresh = format!("refresh-{n}");
    st.access
        .insert(access.clone(), Instant::now() + o.access_ttl);
    st.refresh_valid = Some(refresh.clone());
    Answer::Json(
        200,
        "application/json",
        json!({"token_type": "Bearer", "expires_in": o.access_ttl.as_secs(),
            "access_token": access, "refresh_token": refresh,
            "server_time": chrono::Utc::now().timestamp()}),
    )
}
