//! The client data layer: one row per deal with its transcript and raw dialog, upserted on
//! (tenant, deal) into the SQL stores (readable with plain SQL) and pushed to Supabase's REST API.

mod common;

use chrono::{DateTime, Utc};
use synkro_core::Secret;
use synkro_core::error::StoreError;
use synkro_core::model::{Attachment, AuthorKind, Direction, MessageKind};
use synkro_core::pipeline::Dialog;
use synkro_store::{ClientDataSink, ClientDeal, ClientReport, SupabaseSink};
use synkro_testkit::{Dataset, DatasetSpec};
use wiremock::matchers::{body_json, header, header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn now() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().unwrap()
}

/// A dialog of a generated deal with a chat, plus one client message with a file.
fn dialog() -> (Dialog, Dataset) {
    let data = Dataset::generate(&DatasetSpec::small(9, now()));
    let chat = data
        .chats
        .iter()
        .find(|c| data.messages_of(&c.id).len() >= 2)
        .cloned()
        .expect("a chat with messages");
    let mut d = Dialog::new(data.deals[0].clone());
    d.messages = data.messages_of(&chat.id).to_vec();
    let mut with_file = d.messages[0].clone();
    with_file.id = "file-msg".into();
    with_file.author_kind = AuthorKind::Client;
    with_file.direction = Direction::Inbound;
    with_file.text = Some("Вот   договор\nпосмотрите".into());
    with_file.created_at = "2026-03-10T09:05:00Z".parse().unwrap();
    with_file.attachments = vec![Attachment {
        kind: MessageKind::File,
        mime_type: Some("application/pdf".into()),
        size: Some(1200),
        name: Some("contract.pdf".into()),
    }];
    d.messages.push(with_file);
    d.messages.sort_by_key(|m| m.created_at);
    d.chat = Some(chat);
    (d, data)
}

fn row() -> ClientDeal {
    let (d, data) = dialog();
    ClientDeal::from_dialog(
        "acme",
        &d,
        chrono_tz::Europe::Moscow,
        &data.sales_pipelines,
        &data.managers,
        "RU",
        now(),
    )
    .unwrap()
}

#[test]
fn a_deal_row_holds_a_local_time_transcript_with_roles_and_file_names() {
    let (d, _) = dialog();
    let r = row();
    assert_eq!(r.tenant_id, "acme");
    assert_eq!(r.deal_id, d.deal.id.to_string());
    assert_eq!(r.message_count as usize, d.messages.len());
    assert_eq!(
        r.raw_dialog.as_array().map(Vec::len),
        Some(d.messages.len())
    );
    assert_eq!(r.chat_id, d.chat.as_ref().map(|c| c.id.to_string()));
    assert!(
        r.phone.as_deref().is_some_and(|p| p.starts_with("+7")),
        "{:?}",
        r.phone
    );
    // 09:05 UTC is 12:05 in Moscow; whitespace is normalized; files are named.
    assert!(
        r.transcript
            .lines()
            .any(|l| l == "2026-03-10 12:05 client: Вот договор посмотрите [files: contract.pdf]"),
        "{}",
        r.transcript
    );
    assert!(
        r.transcript
            .lines()
            .all(|l| l.contains(" client: ") || l.contains(" agent: "))
    );
    assert!(r.status_name.is_some() || r.status_id.is_none());
    assert!(r.first_message_at <= r.last_message_at);
}

async fn check_sink_upserts<S: ClientDataSink>(sink: &S) {
    let mut r = row();
    sink.put_deals(std::slice::from_ref(&r)).await.unwrap();
    sink.put_deals(std::slice::from_ref(&r)).await.unwrap();
    r.deal_name = "Renamed".into();
    sink.put_deals(std::slice::from_ref(&r)).await.unwrap();
    sink.put_reports(&[ClientReport {
        tenant_id: "acme".into(),
        source_report_id: 7,
        report_date: "2026-03-10".parse().unwrap(),
        kind: "daily".into(),
        text: "Отчёт".into(),
        comment: None,
    }])
    .await
    .unwrap();
}

#[tokio::test]
async fn sqlite_keeps_one_row_per_deal_readable_with_plain_sql() {
    let store = common::sqlite_temp("client_data").await;
    check_sink_upserts(store.as_ref()).await;
    let rows = store.client_deals("acme").await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].deal_name, "Renamed");
    assert_eq!(rows[0].transcript, row().transcript);
    let (n, transcript): (i64, String) = sqlx::query_as(
        "SELECT count(*), max(transcript) FROM client_deal WHERE tenant_id = 'acme'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert!(transcript.contains("contract.pdf"));
    assert_eq!(store.client_reports("acme").await.unwrap().len(), 1);
    assert!(store.client_deals("other").await.unwrap().is_empty());
}

#[tokio::test]
async fn postgres_keeps_one_row_per_deal_readable_with_plain_sql() {
    let Some(store) = common::postgres_schema("client_data").await else {
        return;
    };
    check_sink_upserts(store.as_ref()).await;
    let (n, transcript, dialog_len): (i64, String, i32) = sqlx::query_as(
        "SELECT count(*), max(transcript), max(jsonb_array_length(raw_dialog)) FROM client_deal \
         WHERE tenant_id = 'acme'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert!(transcript.contains("client: Вот договор"));
    assert_eq!(dialog_len, row().message_count);
    let rows = store.client_deals("acme").await.unwrap();
    assert_eq!(rows[0].deal_name, "Renamed");
    assert_eq!(rows[0].raw_dialog, row().raw_dialog);
}

#[tokio::test]
async fn supabase_sink_upserts_through_postgrest_with_merge_duplicates() {
    let server = MockServer::start().await;
    let r = row();
    Mock::given(method("POST"))
        .and(path("/rest/v1/deals"))
        .and(query_param("on_conflict", "tenant_id,deal_id"))
        .and(header("apikey", "service-key"))
        .and(header("authorization", "Bearer service-key"))
        .and(header_regex("prefer", "resolution=merge-duplicates"))
        .and(body_json(serde_json::json!([r])))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/v1/reports"))
        .and(query_param("on_conflict", "tenant_id,source_report_id"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let sink = SupabaseSink::new(&server.uri(), Secret::new("service-key".into())).unwrap();
    check_single(&sink, &r).await;
    sink.put_reports(&[ClientReport {
        tenant_id: "acme".into(),
        source_report_id: 1,
        report_date: "2026-03-10".parse().unwrap(),
        kind: "daily".into(),
        text: "t".into(),
        comment: None,
    }])
    .await
    .unwrap();
    let reqs = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(
        body[0]["type"], "daily",
        "the reports table's column is `type`"
    );
}

async fn check_single(sink: &SupabaseSink, r: &ClientDeal) {
    sink.put_deals(std::slice::from_ref(r)).await.unwrap();
}

#[tokio::test]
async fn supabase_errors_name_the_table_and_status_and_never_the_key() {
    let server = MockServer::start().await;
    Mock::given(path("/rest/v1/deals"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string("{\"message\":\"Invalid API key\"}"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/rest/v1/deals"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let sink = SupabaseSink::new(&server.uri(), Secret::new("service-key".into())).unwrap();
    let err = sink.put_deals(&[row()]).await.unwrap_err();
    let text = synkro_core::error::chain(&err);
    assert!(matches!(err, StoreError::Other { .. }), "{text}");
    assert!(
        text.contains("deals") && text.contains("401") && text.contains("service key"),
        "{text}"
    );
    assert!(
        !text.contains("service-key") && !text.contains("Invalid API key"),
        "{text}"
    );
    let err = sink.put_deals(&[row()]).await.unwrap_err();
    assert!(err.is_retryable(), "a 503 is worth retrying: {err}");

    assert!(SupabaseSink::new("http://example.com", Secret::new("k".into())).is_err());
    assert!(SupabaseSink::new("https://u:p@x.supabase.co", Secret::new("k".into())).is_err());
    assert!(SupabaseSink::new("https://x.supabase.co", Secret::new(" ".into())).is_err());
}
