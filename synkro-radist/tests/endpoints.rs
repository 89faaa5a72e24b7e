//! Each endpoint against wiremock: the request the client sends (path, `X-Api-Key`, query) and
//! how it reads the answer, edge cases included. A catch-all mock answers 500 naming any route no
//! test expected, so a wrong path fails loudly.

use std::time::Duration;

use serde_json::json;
use synkro_core::Secret;
use synkro_core::model::{Channel, Direction, MessageKind, Window};
use synkro_core::retry::RetryPolicy;
use synkro_radist::{RadistClient, RadistConfig};
use wiremock::matchers::{any, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CO: i64 = 77;

async fn server() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(any())
        .respond_with(|req: &Request| {
            ResponseTemplate::new(500).set_body_string(format!(
                "unmatched route: {} {}?{}",
                req.method,
                req.url.path(),
                req.url.query().unwrap_or("")
            ))
        })
        .with_priority(u8::MAX)
        .mount(&s)
        .await;
    s
}

fn client(s: &MockServer) -> RadistClient {
    let mut cfg = RadistConfig::new(Secret::new("k-123".to_owned()), CO);
    cfg.base_url = format!("{}/v2", s.uri());
    cfg.requests_per_second = 1000.0;
    cfg.listing_requests_per_second = 1000.0;
    RadistClient::with_policy(&cfg, RetryPolicy::fast().max_attempts(2)).unwrap()
}

async fn mount_sources(s: &MockServer) {
    Mock::given(method("GET"))
        .and(path(format!("/v2/companies/{CO}/messaging/chats/sources/")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"connection_id": 11, "subscription": null, "name": "WA", "type": "whatsapp", "create_chat": {"with_phone": true, "with_username": false, "with_chat_id": false}},
            {"connection_id": 12, "subscription": null, "name": "TG", "type": "telegram", "create_chat": {"with_phone": false, "with_username": true, "with_chat_id": false}}
        ])))
        .mount(s)
        .await;
}

fn msg(id: u32, at: &str, dir: &str) -> serde_json::Value {
    json!({"message_id": format!("00000000-0000-0000-0000-{id:012}"), "chat_id": "79000000001@c.us",
           "direction": dir, "message_type": "text", "text": {"text": format!("m{id}")}, "created_at": at})
}

#[tokio::test]
async fn users_me_sends_the_key_and_reads_scopes() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .and(header("x-api-key", "k-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "00000000-0000-4000-8000-000000000001", "scopes": ["messaging", "connections"],
            "roles": [], "companies": [CO], "is_integration": true, "unknown_future_field": 1
        })))
        .expect(1)
        .mount(&s)
        .await;
    let me = client(&s).me().await.unwrap();
    assert_eq!(me.companies, [CO]);
    assert!(me.is_integration);
}

#[tokio::test]
async fn companies_are_paged_by_offset_to_the_count() {
    let s = server().await;
    let page = |from: i64, n: i64| {
        let list: Vec<_> = (from..from + n)
            .map(|i| json!({"id": i, "name": format!("c{i}"), "owner_id": 1, "timezone": "Europe/Moscow", "payment_currency": "RUB"}))
            .collect();
        json!({"count": 150, "companies": list})
    };
    Mock::given(path("/v2/companies/"))
        .and(query_param("offset", "0"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(1, 100)))
        .mount(&s)
        .await;
    Mock::given(path("/v2/companies/"))
        .and(query_param("offset", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(101, 50)))
        .mount(&s)
        .await;
    let all = client(&s).companies().await.unwrap();
    assert_eq!(all.len(), 150);
    assert_eq!(all[149].timezone.as_deref(), Some("Europe/Moscow"));
}

#[tokio::test]
async fn chats_are_paged_by_cursor_and_filtered_by_channel() {
    let s = server().await;
    mount_sources(&s).await;
    let chat = |conn: i64, id: i64, last: &str| {
        json!({"connection_id": conn, "chat_id": id, "source_chat_id": "x", "phone": "79000000001",
               "name": "Client", "unanswered_count": 0,
               "last_message": {"message_id": "00000000-0000-0000-0000-000000000009", "chat_id": "x",
                  "direction": "inbound", "message_type": "text", "text": {"text": "hi"}, "file": null,
                  "image": null, "created_at": last}})
    };
    Mock::given(path(format!("/v2/companies/{CO}/messaging/chats/with_contacts/")))
        .and(query_param_is_missing("cursor"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"contact_id": 1, "contact_name": "A", "unanswered_count": 0,
                      "last_chat_updated_at": "2026-01-02T10:00:00Z",
                      "chats": [chat(11, 501, "2026-01-02T10:00:00Z"), chat(12, 502, "2026-01-02T09:00:00Z")]}],
            "response_metadata": {"next_cursor": "eyJpZCI6MX0="}
        })))
        .mount(&s)
        .await;
    Mock::given(path(format!("/v2/companies/{CO}/messaging/chats/with_contacts/")))
        .and(query_param("cursor", "eyJpZCI6MX0="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"contact_id": 2, "contact_name": "B", "unanswered_count": 1,
                      "last_chat_updated_at": "2026-01-01T10:00:00Z", "chats": [chat(11, 503, "2026-01-01T10:00:00Z")]}],
            "response_metadata": {"next_cursor": ""}
        })))
        .mount(&s)
        .await;
    let c = client(&s);
    let p1 = c.chat_page(None).await.unwrap();
    assert_eq!(p1.chats.len(), 1);
    assert_eq!(p1.skipped_other_channels, 1);
    assert_eq!(p1.chats[0].id.as_str(), "11:501");
    assert_eq!(p1.chats[0].channel, Channel::Whatsapp);
    assert_eq!(p1.chats[0].phone.as_deref(), Some("79000000001"));
    let p2 = c.chat_page(p1.next_cursor.as_deref()).await.unwrap();
    assert_eq!(
        p2.next_cursor, None,
        "an empty next_cursor ends the listing"
    );
    assert_eq!(p2.chats[0].id.as_str(), "11:503");
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error_not_a_loop() {
    let s = server().await;
    mount_sources(&s).await;
    Mock::given(path(format!(
        "/v2/companies/{CO}/messaging/chats/with_contacts/"
    )))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "data": [], "response_metadata": {"next_cursor": "same"}
    })))
    .mount(&s)
    .await;
    let err = client(&s).chat_page(Some("same")).await.unwrap_err();
    assert!(
        synkro_core::error::chain(&err).contains("same cursor"),
        "{err}"
    );
}

#[tokio::test]
async fn messages_are_paged_backwards_with_until_and_deduplicated() {
    let s = server().await;
    mount_sources(&s).await;
    let base = format!("/v2/companies/{CO}/messaging/messages/");
    // Page 1: until = window end.
    Mock::given(path(base.clone()))
        .and(query_param("chat_id", "501"))
        .and(query_param("limit", "3"))
        .and(query_param("until", "2026-01-03T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            msg(5, "2026-01-02T12:00:00.250000Z", "outbound"),
            msg(4, "2026-01-02T11:00:00Z", "inbound"),
            msg(3, "2026-01-02T10:00:00Z", "inbound"),
        ])))
        .expect(1)
        .mount(&s)
        .await;
    // Page 2: until = oldest + 1 ms; the boundary message comes again and is dropped.
    Mock::given(path(base.clone()))
        .and(query_param("until", "2026-01-02T10:00:00.001Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            msg(3, "2026-01-02T10:00:00Z", "inbound"),
            msg(2, "2026-01-02T10:00:00Z", "inbound"),
            msg(1, "2026-01-01T09:00:00Z", "inbound"),
        ])))
        .expect(1)
        .mount(&s)
        .await;
    // Page 3 is older than the window: the end.
    Mock::given(path(base.clone()))
        .and(query_param("until", "2026-01-01T09:00:00.001Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            msg(1, "2026-01-01T09:00:00Z", "inbound"),
            msg(0, "2025-12-30T09:00:00Z", "inbound"),
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let mut cfg = RadistConfig::new(Secret::new("k-123".to_owned()), CO);
    cfg.base_url = format!("{}/v2", s.uri());
    cfg.page_size = 3;
    cfg.requests_per_second = 1000.0;
    cfg.listing_requests_per_second = 1000.0;
    let c = RadistClient::with_policy(&cfg, RetryPolicy::fast()).unwrap();
    let window = Window::new(
        "2026-01-01T00:00:00Z".parse().unwrap(),
        "2026-01-03T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let chat = synkro_core::model::Chat {
        id: synkro_radist::chat_id(11, 501),
        channel: Channel::Whatsapp,
        kind: synkro_core::model::ChatKind::Direct,
        connection: None,
        phone: None,
        contact_name: None,
        last_message_at: None,
        updated_at: window.end,
    };
    let (msgs, stalls) = c.chat_messages(&chat, window).await.unwrap();
    let texts: Vec<&str> = msgs.iter().filter_map(|m| m.text.as_deref()).collect();
    assert_eq!(texts, ["m1", "m2", "m3", "m4", "m5"]);
    assert_eq!(stalls, 0);
    assert_eq!(msgs[4].direction, Direction::Outbound);
    assert_eq!(msgs[4].kind, MessageKind::Text);
    assert!(msgs.iter().all(|m| m.chat.as_str() == "11:501"));
}

#[tokio::test]
async fn validation_errors_carry_the_field_and_are_not_retried() {
    let s = server().await;
    Mock::given(path(format!("/v2/companies/{CO}")))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "detail": [{"loc": ["path", "company_id"], "msg": "Input should be less than or equal to 2147483647", "type": "less_than_equal"}]
        })))
        .expect(1)
        .mount(&s)
        .await;
    let err = client(&s).company().await.unwrap_err();
    let text = synkro_core::error::chain(&err);
    assert!(
        text.contains("path.company_id: Input should be less"),
        "{text}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_429_is_retried_after_the_servers_delay() {
    let s = server().await;
    Mock::given(path("/v2/users/me"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(path("/v2/users/me"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "u", "scopes": [], "roles": []})),
        )
        .mount(&s)
        .await;
    let t = std::time::Instant::now();
    let mut cfg = RadistConfig::new(Secret::new("k".to_owned()), CO);
    cfg.base_url = format!("{}/v2", s.uri());
    let c = RadistClient::with_policy(&cfg, RetryPolicy::fast()).unwrap();
    c.me().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(c.request_count(), 2);
}

#[tokio::test]
async fn a_longer_retry_after_than_allowed_gives_up_with_the_delay() {
    let s = server().await;
    Mock::given(path("/v2/users/me"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&s)
        .await;
    let err = client(&s).me().await.unwrap_err();
    assert_eq!(err.kind(), "rate_limited");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn connections_and_totals_send_the_documented_query() {
    let s = server().await;
    Mock::given(path(format!("/v2/companies/{CO}/connections/")))
        .and(query_param("types", "whatsapp"))
        .and(query_param("types", "waba"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1, "connections": [
            {"id": 11, "name": "WA", "radist_token": "00000000-0000-0000-0000-000000000000", "type": "whatsapp",
             "params": {"phone": null}, "last_status": {"status_type": "bad", "status_subtype": "whatsapp_qr_not_scanned"}}
        ]})))
        .mount(&s)
        .await;
    Mock::given(path(format!(
        "/v2/companies/{CO}/connections/11/stats/total"
    )))
    .and(query_param("since", "2026-01-01T00:00:00Z"))
    .and(query_param("until", "2026-01-02T00:00:00Z"))
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "since": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z",
        "stats": {"total_inbound": 12, "total_outbound": 30}
    })))
    .mount(&s)
    .await;
    let c = client(&s);
    let conns = c.connections(&["whatsapp", "waba"]).await.unwrap();
    assert_eq!(
        conns[0]
            .last_status
            .as_ref()
            .and_then(|s| s.status_subtype.as_deref()),
        Some("whatsapp_qr_not_scanned")
    );
    let w = Window::new(
        "2026-01-01T00:00:00Z".parse().unwrap(),
        "2026-01-02T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let t = c.connection_totals(11, w).await.unwrap();
    assert_eq!((t.total_inbound, t.total_outbound), (12, 30));
}

#[tokio::test]
async fn an_unexpected_route_fails_loudly() {
    let s = server().await;
    let err = client(&s).chat_sources().await.unwrap_err();
    assert_eq!(err.kind(), "unavailable", "the fallback answers 500: {err}");
    let received = s.received_requests().await.unwrap();
    assert!(
        received
            .iter()
            .all(|r| r.headers.get("x-api-key").is_some())
    );
}

#[test]
fn an_insecure_base_url_is_refused() {
    let mut cfg = RadistConfig::new(Secret::new("k".to_owned()), CO);
    cfg.base_url = "http://api.radist.online/v2".into();
    let err = RadistClient::from_config(&cfg).unwrap_err();
    assert!(err.to_string().contains("https"), "{err}");
    cfg.base_url = "https://user:pw@api.radist.online/v2".into();
    assert!(RadistClient::from_config(&cfg).is_err());
    cfg.base_url = "https://api.radist.online/v2".into();
    let c = RadistClient::from_config(&cfg).unwrap();
    assert!(!format!("{c:?}").contains("\"k\""));
}
