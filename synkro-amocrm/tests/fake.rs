//! Against the stateful fake amoCRM: whole listings, OAuth refresh under concurrency, 429 storms,
//! the account block, and the read-only guarantee over every public read.
mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures::TryStreamExt;
use synkro_amocrm::{
    AmoAuth, AmoCrmClient, ConnectionProblem, EventFilter, LeadFilter, MemoryTokenStore,
    NoteEntity, NoteFilter, OAuthApp, OAuthSession, OAuthTokens,
};
use synkro_core::Secret;
use synkro_core::error::SourceError;
use synkro_core::ratelimit::RateLimiter;
use synkro_core::retry::RetryPolicy;
use synkro_core::source::{ActivityQuery, ContactQuery, CrmSource, CrmSourceExt, DealQuery};
use synkro_testkit::Dataset;
use synkro_testkit::fake::amocrm_server::{
    FakeAmoCrm, FakeAmoCrmOptions, FakeOAuth, Fault, FaultKind, RateLimitRule,
};

#[tokio::test]
async fn every_deal_contact_call_and_change_of_the_dataset_comes_back_once() {
    let data = dataset(7);
    let fake = fake_paged(data.clone(), 7).await;
    let c = fake_client(&fake);
    let mut q = DealQuery::updated_in(all_time());
    q.page_size = Some(7);
    let deals: Vec<_> = c.deals(q).try_collect().await.unwrap();
    assert_eq!(deals.len(), data.deals.len());
    let ids: HashSet<_> = deals.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids.len(), deals.len());
    assert!(
        deals.windows(2).all(|w| w[0].updated_at <= w[1].updated_at),
        "updated_at order"
    );
    let contact_ids: Vec<_> = deals.iter().flat_map(|d| d.contacts.clone()).collect();
    let contacts: Vec<_> = c
        .contact_pages(ContactQuery::by_ids(contact_ids.clone()))
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(contacts.len(), data.contacts.len());
    let with_phone = contacts.iter().filter(|c| !c.phones.is_empty()).count();
    assert_eq!(
        with_phone,
        data.contacts
            .iter()
            .filter(|c| !c.phones.is_empty())
            .count()
    );
    let calls: Vec<_> = c
        .call_pages(ActivityQuery::in_range(all_time()))
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(calls.len(), data.calls.len());
    let missed = calls.iter().filter(|c| c.is_missed()).count();
    assert_eq!(missed, data.calls.iter().filter(|c| c.is_missed()).count());
    let changes: Vec<_> = c
        .stage_change_pages(ActivityQuery::in_range(all_time()))
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(changes.len(), data.stage_changes.len());
    let resp: Vec<_> = c
        .responsible_change_pages(ActivityQuery::in_range(all_time()))
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(resp.len(), data.responsible_changes.len());
    let contact_requests = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v4/contacts")
        .count();
    assert!(
        contact_requests <= contact_ids.len().div_ceil(7) + 1,
        "contacts are batched"
    );
    assert_fake_read_only(&fake);
}

#[tokio::test]
async fn deals_with_contacts_read_the_whole_tenant_concurrently_without_duplicates() {
    let data = dataset(8);
    let fake = fake_paged(data.clone(), 5).await;
    let c = fake_client(&fake);
    let mut f = LeadFilter::default();
    f.limit = 5;
    let batches: Vec<_> = c.deals_with_contacts(&f).try_collect().await.unwrap();
    let deals: usize = batches.iter().map(|b| b.deals.len()).sum();
    let contacts: usize = batches.iter().map(|b| b.contacts.len()).sum();
    assert_eq!((deals, contacts), (data.deals.len(), data.contacts.len()));
    assert_fake_read_only(&fake);
}

#[tokio::test]
async fn faults_are_survived_resets_truncations_and_5xx() {
    let data = dataset(9);
    let fake = fake_paged(data.clone(), 10).await;
    fake.set_faults(vec![
        Fault {
            kind: FaultKind::Reset,
            path_prefix: Some("/api/v4/leads".into()),
            skip: 1,
            times: Some(1),
        },
        Fault {
            kind: FaultKind::Truncated,
            path_prefix: Some("/api/v4/leads".into()),
            skip: 2,
            times: Some(1),
        },
        Fault {
            kind: FaultKind::Status(502),
            path_prefix: Some("/api/v4/leads".into()),
            skip: 3,
            times: Some(2),
        },
    ]);
    let c = fake_client(&fake);
    let mut q = DealQuery::default();
    q.page_size = Some(10);
    let deals: Vec<_> = c.deals(q).try_collect().await.unwrap();
    assert_eq!(deals.len(), data.deals.len());
    assert!(c.stats().retries >= 3, "{:?}", c.stats());
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_and_a_hang_times_out() {
    let fake = fake(dataset(10), FakeAmoCrmOptions::default()).await;
    fake.set_faults(vec![Fault::on(
        "/api/v4/leads",
        FaultKind::MalformedJson,
        1,
    )]);
    let c = fake_client(&fake);
    let err = c
        .fetch_deals(&DealQuery::default(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Decode { .. }), "{err:?}");
    fake.set_faults(vec![Fault::on("/api/v4/account", FaultKind::Hang, 10)]);
    let quick = fake_builder(&fake)
        .timeout(Duration::from_millis(150))
        .retry(RetryPolicy::fast().max_attempts(2))
        .build()
        .unwrap();
    let err = quick.account().await.unwrap_err();
    assert!(matches!(err, SourceError::Unavailable { .. }), "{err:?}");
}

#[tokio::test]
async fn a_429_storm_is_ridden_out_and_an_account_block_stops_everything() {
    let fake = fake(
        dataset(11),
        FakeAmoCrmOptions {
            rate_limit: Some(RateLimitRule {
                per_second: 5.0,
                burst: 1,
                retry_after: Some(1),
                html: true,
                block_after: None,
            }),
            ..FakeAmoCrmOptions::default()
        },
    )
    .await;
    // A client far faster than the server allows: 429s, retried with Retry-After, all succeed.
    let c = fake_builder(&fake)
        .rate_limiter(RateLimiter::per_second(200.0).unwrap())
        .retry(RetryPolicy::fast().max_attempts(20))
        .build()
        .unwrap();
    let results = futures::future::join_all((0..4).map(|_| c.fetch_sales_pipelines())).await;
    assert!(results.iter().all(Result::is_ok));
    assert!(fake.rate_limited() > 0 && c.stats().rate_limited > 0);
    fake.set_faults(vec![Fault::on("/api/v4/", FaultKind::Block, 1)]);
    let err = c.fetch_managers().await.unwrap_err();
    assert!(
        matches!(err, SourceError::Forbidden { .. }) && c.is_blocked(),
        "{err:?}"
    );
    let seen = fake.requests().len();
    assert!(c.fetch_sales_pipelines().await.is_err());
    assert_eq!(fake.requests().len(), seen, "no request after the block");
    let report = fake_client(&fake).check_connection().await;
    assert_eq!(
        report.problem.as_ref().map(|p| p.0),
        Some(ConnectionProblem::AccountBlocked)
    );
}

#[tokio::test]
async fn at_the_default_rate_the_fake_sees_no_429() {
    let fake = fake(
        dataset(12),
        FakeAmoCrmOptions {
            rate_limit: Some(RateLimitRule::amocrm()),
            max_limit: 4,
            ..FakeAmoCrmOptions::default()
        },
    )
    .await;
    let c = fake_builder(&fake).concurrency(4).build().unwrap();
    let mut f = LeadFilter::default();
    f.limit = 4;
    let pages: Vec<_> = c.leads(&f).try_collect().await.unwrap();
    assert!(pages.len() >= 8, "{}", pages.len());
    assert_eq!(fake.rate_limited(), 0);
}

/// A fake that takes OAuth tokens of `o` and no long-lived token.
async fn oauth_fake(o: &FakeOAuth, data: Arc<Dataset>) -> FakeAmoCrm {
    fake(
        data,
        FakeAmoCrmOptions {
            long_lived_token: None,
            oauth: Some(o.clone()),
            ..FakeAmoCrmOptions::default()
        },
    )
    .await
}

/// A token store holding only a refresh token.
fn refresh_store(refresh_token: String) -> Arc<MemoryTokenStore> {
    Arc::new(MemoryTokenStore::new(Some(
        OAuthTokens::from_refresh_token(Secret::new(refresh_token)),
    )))
}

fn oauth_session(fake_oauth: &FakeOAuth, store: Arc<MemoryTokenStore>) -> OAuthSession {
    OAuthSession::new(
        OAuthApp {
            client_id: fake_oauth.client_id.clone(),
            client_secret: Secret::new(fake_oauth.client_secret.clone()),
            redirect_uri: fake_oauth.redirect_uri.clone(),
        },
        store,
    )
}

fn oauth_client(base: &str, session: OAuthSession) -> AmoCrmClient {
    AmoCrmClient::builder()
        .base_url(base)
        .auth(AmoAuth::oauth(session))
        .rate_limiter(RateLimiter::per_second(500.0).unwrap())
        .retry(RetryPolicy::fast())
        .build()
        .unwrap()
}

#[tokio::test]
async fn concurrent_tasks_refresh_once_and_never_reuse_a_refresh_token() {
    let o = FakeOAuth::default();
    let fake = oauth_fake(&o, dataset(13)).await;
    let store = refresh_store(o.refresh_token.clone());
    let session = oauth_session(&o, store.clone());
    let a = oauth_client(fake.base_url(), session.clone());
    let b = oauth_client(fake.base_url(), session.clone());
    let tasks = (0..16).map(|i| {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move { c.fetch_sales_pipelines().await }
    });
    let results = futures::future::join_all(tasks).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.tokens_issued(), 1, "one refresh for 16 tasks");
    assert_eq!(fake.reused_refresh_tokens(), 0);
    assert_eq!(store.saves(), 1, "persisted before use");
    assert_eq!(
        store.current().unwrap().refresh_token.expose().as_str(),
        fake.valid_refresh_token().unwrap().as_str()
    );
    // The access token expires server-side: the next 401 triggers exactly one more refresh.
    fake.expire_access_tokens();
    let results = futures::future::join_all((0..8).map(|_| a.fetch_sales_pipelines())).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.tokens_issued(), 2);
    assert_eq!(fake.reused_refresh_tokens(), 0);
    assert_eq!(session.refreshes(), 2);
    assert_fake_read_only(&fake);
}

#[tokio::test]
async fn a_revoked_refresh_token_is_unauthenticated_and_the_check_says_reauthorize() {
    let o = FakeOAuth::default();
    let fake = oauth_fake(&o, dataset(14)).await;
    let store = refresh_store("spent".into());
    let c = oauth_client(fake.base_url(), oauth_session(&o, store));
    let err = c.fetch_sales_pipelines().await.unwrap_err();
    assert!(
        matches!(err, SourceError::Unauthenticated { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("revoked"), "{err}");
    let report = c.check_connection().await;
    assert_eq!(
        report.problem.map(|p| p.0),
        Some(ConnectionProblem::AuthorizationExpired)
    );
}

#[tokio::test]
async fn an_authorization_code_is_exchanged_and_stored() {
    let o = FakeOAuth::default();
    let fake = oauth_fake(&o, dataset(15)).await;
    let store = Arc::new(MemoryTokenStore::new(None));
    let c = oauth_client(fake.base_url(), oauth_session(&o, store.clone()));
    c.authorize(Secret::new(o.auth_code.clone().unwrap()))
        .await
        .unwrap();
    assert_eq!(store.saves(), 1);
    assert!(c.account().await.is_ok());
    assert!(
        c.authorize(Secret::new(o.auth_code.unwrap()))
            .await
            .is_err(),
        "a code is single use"
    );
}

#[tokio::test]
async fn the_connection_check_names_a_bad_token_and_a_good_one_passes() {
    let fake = fake(dataset(16), FakeAmoCrmOptions::default()).await;
    let report = client_with(fake.base_url(), "wrong")
        .check_connection()
        .await;
    let (kind, msg) = report.problem.clone().unwrap();
    assert_eq!(kind, ConnectionProblem::BadToken);
    assert!(
        msg.contains("long-lived token") && msg.contains("Keys and scopes"),
        "{msg}"
    );
    let ok = fake_client(&fake).check_connection().await;
    assert!(ok.is_ok(), "{ok}");
    assert_eq!(
        ok.account.unwrap().timezone,
        Some(chrono_tz::Europe::Moscow)
    );
}

/// The read-only guarantee over every public read of the crate, with OAuth.
#[tokio::test]
async fn the_whole_read_surface_sends_only_gets_and_the_token_post() {
    let o = FakeOAuth::default();
    let data = dataset(17);
    let fake = fake(
        data.clone(),
        FakeAmoCrmOptions {
            oauth: Some(o.clone()),
            max_limit: 9,
            ..FakeAmoCrmOptions::default()
        },
    )
    .await;
    let store = refresh_store(o.refresh_token.clone());
    let c = oauth_client(fake.base_url(), oauth_session(&o, store));
    let w = all_time();
    c.account().await.unwrap();
    assert!(c.check_connection().await.is_ok());
    assert!(!c.fetch_managers().await.unwrap().is_empty());
    assert!(!c.fetch_sales_pipelines().await.unwrap().is_empty());
    let deals: Vec<_> = c
        .deals(DealQuery::updated_in(w))
        .try_collect()
        .await
        .unwrap();
    let ids = deals.iter().flat_map(|d| d.contacts.clone()).collect();
    let _contacts: Vec<_> = c
        .contact_pages(ContactQuery::by_ids(ids))
        .try_collect()
        .await
        .unwrap();
    let _calls: Vec<_> = c
        .call_pages(ActivityQuery::in_range(w))
        .try_collect()
        .await
        .unwrap();
    let _sc: Vec<_> = c
        .stage_change_pages(ActivityQuery::in_range(w))
        .try_collect()
        .await
        .unwrap();
    let _rc: Vec<_> = c
        .responsible_change_pages(ActivityQuery::in_range(w))
        .try_collect()
        .await
        .unwrap();
    let activities: Vec<_> = c
        .activity_pages(ActivityQuery::in_range(w))
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(activities.len(), data.activities.len());
    let _n: Vec<_> = c
        .notes(NoteEntity::Contacts, &NoteFilter::default())
        .try_collect()
        .await
        .unwrap();
    let _e: Vec<_> = c
        .events(&EventFilter::communications_in(w))
        .try_collect()
        .await
        .unwrap();
    let _dc: Vec<_> = c
        .deals_with_contacts(&LeadFilter::updated_in(w))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(c.talks(&[1, 2, 999_999]).await.unwrap().len(), 2);
    let reqs = fake.requests();
    assert!(reqs.len() > 20);
    assert_fake_read_only(&fake);
    let posts: Vec<_> = reqs.iter().filter(|r| r.method != "GET").collect();
    assert!(
        posts.iter().all(|r| r.path == "/oauth2/access_token"),
        "{posts:?}"
    );
    assert_eq!(posts.len(), 1, "one token request for the whole surface");
    let paths: HashSet<_> = reqs.iter().map(|r| r.path.as_str()).collect();
    for p in [
        "/api/v4/leads",
        "/api/v4/contacts",
        "/api/v4/events",
        "/api/v4/users",
        "/api/v4/leads/notes",
        "/api/v4/contacts/notes",
    ] {
        assert!(paths.contains(p), "{p} was read");
    }
}
