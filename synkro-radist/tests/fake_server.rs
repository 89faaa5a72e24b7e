//! The client against the testkit's fake Radist server: a full window read equals the dataset,
//! an unchanged re-run costs only the listing, faults are retried or reported, and the connection
//! check names what to fix.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use synkro_core::Secret;
use synkro_core::model::{Channel, Window};
use synkro_core::retry::RetryPolicy;
use synkro_core::source::{ChatQuery, MessageQuery, MessengerSource};
use synkro_radist::{RadistClient, RadistConfig};
use synkro_testkit::fake::radist_server::{
    FAKE_API_KEY, FAKE_COMPANY_ID, FakeRadist, FaultRule, RadistFault, RadistOptions,
};
use synkro_testkit::{Dataset, DatasetSpec};

fn dataset() -> Dataset {
    let end = "2026-01-15T00:00:00Z".parse().unwrap();
    Dataset::generate(&DatasetSpec::small(7, end))
}

fn client(fake: &FakeRadist, channels: Vec<Channel>) -> RadistClient {
    let mut cfg = RadistConfig::new(Secret::new(FAKE_API_KEY.to_owned()), FAKE_COMPANY_ID);
    cfg.base_url = fake.base_url().to_owned();
    cfg.channels = channels;
    cfg.requests_per_second = 2000.0;
    cfg.listing_requests_per_second = 2000.0;
    cfg.page_size = 7;
    RadistClient::with_policy(&cfg, RetryPolicy::fast()).unwrap()
}

fn all_channels() -> Vec<Channel> {
    vec![Channel::Whatsapp, Channel::Waba, Channel::Telegram]
}

#[tokio::test]
async fn a_full_read_returns_every_message_of_the_window_once_and_a_rerun_only_lists() {
    let data = dataset();
    let window = Window::new(data.start() - Duration::days(30), data.spec.end).unwrap();
    let fake = FakeRadist::start(data.clone(), RadistOptions::default())
        .await
        .unwrap();
    let c = client(&fake, all_channels());
    let first = c.fetch(window, None).await.unwrap();
    assert_eq!(first.messages.len(), data.messages.len());
    let ids: HashSet<_> = first.messages.iter().map(|m| &m.id).collect();
    assert_eq!(ids.len(), data.messages.len(), "no duplicates");
    assert_eq!(first.chats.len(), data.chats.len());
    assert_eq!(first.stalls, 0);
    let full_requests = fake.requests().len();
    // Per chat, message counts agree with the dataset.
    for chat in &data.chats {
        let (conn, id) = fake.chat_ref(&chat.id).unwrap();
        let rid = synkro_radist::chat_id(conn, id);
        let n = first.messages.iter().filter(|m| m.chat == rid).count();
        assert_eq!(n, data.messages_of(&chat.id).len(), "{}", chat.id);
    }
    fake.clear_requests();
    let again = c.fetch(window, first.cursor).await.unwrap();
    let rerun = fake.requests();
    let message_requests = rerun
        .iter()
        .filter(|r| r.path.ends_with("/messaging/messages/"))
        .count();
    assert!(message_requests <= 2, "{message_requests} message requests");
    assert!(again.unchanged_chats >= data.chats.len() - 2);
    assert!(
        rerun.len() * 10 < full_requests,
        "{} vs {full_requests}",
        rerun.len()
    );
}

#[tokio::test]
async fn channels_are_filtered_by_configuration() {
    let data = dataset();
    let window = Window::new(data.start() - Duration::days(30), data.spec.end).unwrap();
    let fake = FakeRadist::start(data.clone(), RadistOptions::default())
        .await
        .unwrap();
    let got = client(&fake, vec![Channel::Whatsapp, Channel::Waba])
        .fetch(window, None)
        .await
        .unwrap();
    let want = data
        .chats
        .iter()
        .filter(|c| matches!(c.channel, Channel::Whatsapp | Channel::Waba))
        .count();
    assert_eq!(got.chats.len(), want);
    assert!(got.skipped_other_channels > 0);
    assert!(got.chats.iter().all(|c| c.channel != Channel::Telegram));
}

#[tokio::test]
async fn the_trait_pages_chats_and_messages_with_opaque_cursors() {
    let data = dataset();
    let window = Window::new(data.start(), data.spec.end).unwrap();
    let fake = FakeRadist::start(data.clone(), RadistOptions::default())
        .await
        .unwrap();
    let c = client(&fake, all_channels());
    let src: &dyn MessengerSource = &c;
    assert!(src.capabilities().filters_chats_by_activity);
    let mut chats = Vec::new();
    let mut cur = None;
    loop {
        let p = src
            .fetch_chats(&ChatQuery::default(), cur.as_ref())
            .await
            .unwrap();
        chats.extend(p.items);
        match p.next {
            Some(n) => cur = Some(n),
            None => break,
        }
    }
    assert_eq!(chats.len(), data.chats.len());
    let busiest = chats
        .iter()
        .max_by_key(|c| {
            let (conn, id) = synkro_radist::parse_chat_id(&c.id).unwrap();
            data.chats
                .iter()
                .find(|d| fake.chat_ref(&d.id) == Some((conn, id)))
                .map_or(0, |d| data.messages_of(&d.id).len())
        })
        .unwrap();
    let q = MessageQuery::in_range(window);
    let mut msgs = Vec::new();
    let mut cur = None;
    loop {
        let p = src
            .fetch_messages(&busiest.id, &q, cur.as_ref())
            .await
            .unwrap();
        msgs.extend(p.items);
        match p.next {
            Some(n) => cur = Some(n),
            None => break,
        }
    }
    let expected = data
        .chats
        .iter()
        .find(|d| {
            fake.chat_ref(&d.id)
                .map(|(a, b)| synkro_radist::chat_id(a, b))
                == Some(busiest.id.clone())
        })
        .map(|d| {
            data.messages_of(&d.id)
                .iter()
                .filter(|m| window.contains(m.created_at))
                .count()
        })
        .unwrap();
    assert!(expected > 7, "a chat longer than a page");
    assert_eq!(msgs.len(), expected);
}

#[tokio::test]
async fn server_errors_resets_and_429s_are_retried_malformed_json_is_reported() {
    let data = dataset();
    let fake = FakeRadist::start(data, RadistOptions::default())
        .await
        .unwrap();
    let c = client(&fake, all_channels());
    fake.set_faults(vec![
        FaultRule::next(RadistFault::Status(503), 1),
        FaultRule::next(RadistFault::TooManyRequests(Some(0)), 1),
        FaultRule::next(RadistFault::TooManyRequests(None), 1),
        FaultRule::next(RadistFault::Reset, 1),
    ]);
    let me = c.me().await.unwrap();
    assert!(me.scopes.iter().any(|s| s == "messaging"));
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 429, 429, 200, 200]);

    fake.set_faults(vec![FaultRule::next(RadistFault::MalformedJson, 1)]);
    let err = c.chat_page(None).await.unwrap_err();
    assert_eq!(err.kind(), "decode", "{err}");

    fake.set_faults(vec![FaultRule::next(RadistFault::Status(500), 10)]);
    let err = c.company().await.unwrap_err();
    assert_eq!(err.kind(), "unavailable");
    assert!(err.to_string().contains("/companies/{company_id}"), "{err}");
}

#[tokio::test]
async fn the_rate_limit_of_the_server_is_absorbed() {
    let data = dataset();
    let window = Window::new(data.start() - Duration::days(30), data.spec.end).unwrap();
    let opts = RadistOptions {
        overall_rps: Some(400.0),
        listing_rps: Some(200.0),
        retry_after_secs: None,
        ..RadistOptions::default()
    };
    let fake = FakeRadist::start(data.clone(), opts).await.unwrap();
    // The client asks for more than the server allows: 429s, backoff, and still every message.
    let mut cfg = RadistConfig::new(Secret::new(FAKE_API_KEY.to_owned()), FAKE_COMPANY_ID);
    cfg.base_url = fake.base_url().to_owned();
    cfg.channels = all_channels();
    cfg.requests_per_second = 1000.0;
    cfg.listing_requests_per_second = 1000.0;
    cfg.concurrency = 8;
    let mut policy = RetryPolicy::fast();
    policy.max_attempts = 10;
    let c = RadistClient::with_policy(&cfg, policy).unwrap();
    let got = c.fetch(window, None).await.unwrap();
    assert_eq!(got.messages.len(), data.messages.len());
    assert!(fake.requests().iter().any(|r| r.status == 429));
}

#[tokio::test]
async fn the_connection_check_says_what_to_fix() {
    let data = dataset();
    let fake = FakeRadist::start(data.clone(), RadistOptions::default())
        .await
        .unwrap();
    let ok = client(&fake, all_channels()).check().await.unwrap();
    assert_eq!(ok.company.timezone.as_deref(), Some("Europe/Moscow"));
    assert_eq!(ok.sources.len(), fake.sources().len());

    let mut cfg = RadistConfig::new(Secret::new("wrong".to_owned()), FAKE_COMPANY_ID);
    cfg.base_url = fake.base_url().to_owned();
    let err = RadistClient::with_policy(&cfg, RetryPolicy::fast())
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "unauthenticated");
    assert!(err.to_string().contains("credentials"), "{err}");

    let mut cfg = RadistConfig::new(Secret::new(FAKE_API_KEY.to_owned()), 99);
    cfg.base_url = fake.base_url().to_owned();
    let err = RadistClient::with_policy(&cfg, RetryPolicy::fast())
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("company 99"), "{err}");

    let scoped = FakeRadist::start(
        data,
        RadistOptions {
            scopes: vec!["messaging".into()],
            ..RadistOptions::default()
        },
    )
    .await
    .unwrap();
    let err = client(&scoped, all_channels()).check().await.unwrap_err();
    assert_eq!(err.kind(), "forbidden");
    assert!(err.to_string().contains("connections"), "{err}");
    let _ = Utc::now();
}

#[tokio::test]
async fn an_exclusive_until_loses_nothing_either() {
    let data = dataset();
    let window = Window::new(data.start() - Duration::days(30), data.spec.end).unwrap();
    let opts = RadistOptions {
        until_inclusive: false,
        ..RadistOptions::default()
    };
    let fake = FakeRadist::start(data.clone(), opts).await.unwrap();
    let got = client(&fake, all_channels())
        .fetch(window, None)
        .await
        .unwrap();
    assert_eq!(got.messages.len(), data.messages.len());
}

#[tokio::test]
async fn the_fake_refuses_bad_parameters_with_422_details() {
    let data = dataset();
    let fake = FakeRadist::start(data, RadistOptions::default())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!(
        "{}/companies/{FAKE_COMPANY_ID}/messaging/messages/?limit=500",
        fake.base_url()
    );
    let resp = http
        .get(url)
        .header("X-Api-Key", FAKE_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["detail"][0]["loc"][1], "limit");
    let log = fake.requests();
    assert_eq!(log.last().unwrap().status, 422);
    assert!(log.last().unwrap().query.contains("limit=500"));
}
