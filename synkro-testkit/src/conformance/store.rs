//! The store conformance suite: named checks that every [`Store`] must pass, against a fresh, empty
//! store each.
//!
//! Run all of them against a backend with [`store_conformance!`](crate::store_conformance):
//!
//! ```
//! use std::sync::Arc;
//! use synkro_core::store::MemoryStore;
//!
//! async fn setup(_test: &'static str) -> Option<Arc<MemoryStore>> {
//!     Some(Arc::new(MemoryStore::new()))
//! }
//!
//! synkro_testkit::store_conformance!(setup);
//! # fn main() {}
//! ```
//!
//! `setup(test_name)` returns `None` to skip (e.g. no PostgreSQL configured, see
//! [`env`](crate::env)), or anything that dereferences to a store.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use synkro_core::Secret;
use synkro_core::error::StoreError;
use synkro_core::model::{
    ActivityKind, AuditEntry, Call, Chat, Contact, ContactId, CrmActivity, Deal, DealId, EventId,
    IntegrationConfig, IntegrationKind, IntegrationStatus, Manager, ManagerId, Membership, Message,
    NewRun, NewRunEvent, ReportKind, ReportMessage, ReportStatus, Role, RunOutcome, RunState,
    SalesPipeline, StageChange, Tenant, TenantId, TenantRuntimeConfig, TenantStatus, Trigger,
    Window,
};
use synkro_core::report::{Narrative, REPORT_SCHEMA_VERSION, ReportDocument, SummaryNumbers};
use synkro_core::store::{
    CreateRun, CursorAdvance, CursorKey, KeyRing, NewReport, NewTenant, NewUser, PasswordHash,
    SealingKey, Store, SyncBatch, reseal_integrations,
};

use crate::{Dataset, DatasetSpec};

/// Expands to one `#[tokio::test]` per check of [`conformance::store`](crate::conformance::store).
///
/// `$setup` is an `async fn(&'static str) -> Option<S>` where `S` dereferences to a type that
/// implements [`Store`] (or to `dyn Store`); it gets the test's name so backends can isolate each
/// test (a file or a schema per test) and returns `None` to skip.
#[macro_export]
macro_rules! store_conformance {
    ($setup:path) => {
        $crate::store_conformance!(@tests $setup;
            tenants_are_created_listed_and_slugs_unique,
            runtime_config_round_trips_and_is_validated,
            integrations_keep_sealed_secrets_and_reseal_on_rotation,
            users_memberships_and_password_hashes,
            applying_the_same_batch_three_times_leaves_identical_tables,
            an_older_update_arriving_late_changes_nothing,
            window_queries_return_what_falls_inside,
            child_sets_are_replaced_with_their_parent,
            crm_activities_are_stored_idempotently_and_read_by_deal_contact_and_window,
            sync_cursors_only_move_forward_and_commit_with_the_batch,
            last_sync_never_moves_backwards,
            run_lifecycle_is_enforced,
            cancel_stops_queued_runs_and_flags_running_ones,
            reports_and_follow_ups_round_trip,
            audit_log_is_per_tenant_newest_first,
            no_method_lets_one_tenant_read_or_change_anothers_rows,
            unknown_tenants_are_rejected_and_nothing_is_written,
        );
    };
    (@tests $setup:path; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some(store) = $setup(stringify!($check)).await else {
                    return;
                };
                $crate::conformance::store::$check(&*store).await;
            }
        )+
    };
}

fn t0() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().expect("valid instant")
}

fn all_time() -> Window {
    Window {
        start: t0() - Duration::days(3650),
        end: t0() + Duration::days(3650),
    }
}

async fn tenant(store: &dyn Store, slug: &str) -> Tenant {
    store
        .create_tenant(&NewTenant {
            name: format!("Company {slug}"),
            slug: slug.to_owned(),
            status: TenantStatus::Active,
            timezone: chrono_tz::Europe::Moscow,
        })
        .await
        .expect("a fresh store accepts a new tenant")
}

fn new_run(tenant: TenantId, key: &str) -> NewRun {
    let window = Window {
        start: t0() - Duration::days(1),
        end: t0(),
    };
    NewRun {
        tenant,
        job_type: "report".into(),
        mode: "amocrm_radist".into(),
        trigger: Trigger::Manual,
        window,
        requested_by: None,
        idempotency_key: format!("{key}:{tenant}"),
        metadata: json!({ "reason": "conformance" }),
    }
}

fn document(tenant: TenantId) -> ReportDocument {
    let window = Window {
        start: t0() - Duration::days(1),
        end: t0(),
    };
    ReportDocument {
        schema_version: REPORT_SCHEMA_VERSION,
        tenant,
        tenant_name: "Company".into(),
        mode: "amocrm_radist".into(),
        window,
        timezone: "Europe/Moscow".into(),
        period_start: (t0() - Duration::days(1)).date_naive(),
        period_end: t0().date_naive(),
        generated_at: t0(),
        summary: SummaryNumbers::default(),
        sources: Vec::new(),
        sections: Vec::new(),
        narrative: Narrative {
            text: "Всё хорошо — 5 сделок 👍".into(),
            provider: None,
            model: None,
            fallback: true,
        },
    }
}

fn deal(id: &str, updated_at: DateTime<Utc>, name: &str) -> Deal {
    Deal {
        id: DealId::new(id),
        name: name.to_owned(),
        pipeline: None,
        stage: None,
        responsible: None,
        price: Some(1000),
        contacts: vec![ContactId::new("c1")],
        phones: vec!["+7 900 000-00-01".into()],
        loss_reason: None,
        created_at: updated_at - Duration::days(1),
        updated_at,
        closed_at: None,
        custom_fields: json!({ "utm": "test" }),
        synthetic: false,
    }
}

fn small_batch() -> SyncBatch {
    Dataset::generate(&DatasetSpec::small(7, t0())).to_batch()
}

/// Everything the data readers return for a tenant, in a comparable, order-independent form.
async fn snapshot(store: &dyn Store, tenant: TenantId) -> serde_json::Value {
    let w = all_time();
    let mut managers = store.managers(tenant).await.expect("managers");
    managers.sort_by(|a, b| a.id.cmp(&b.id));
    let mut pipelines = store.sales_pipelines(tenant).await.expect("pipelines");
    pipelines.sort_by(|a, b| a.id.cmp(&b.id));
    let mut deals = store.deals(tenant).await.expect("deals");
    deals.sort_by(|a, b| a.id.cmp(&b.id));
    let contact_ids: Vec<ContactId> = deals.iter().flat_map(|d| d.contacts.clone()).collect();
    let mut contacts = store
        .contacts_by_ids(tenant, &contact_ids)
        .await
        .expect("contacts");
    contacts.sort_by(|a, b| a.id.cmp(&b.id));
    let mut chats = store.chats(tenant).await.expect("chats");
    chats.sort_by(|a, b| a.id.cmp(&b.id));
    let mut messages = store.messages_in(tenant, &w).await.expect("messages");
    messages.sort_by(|a, b| (&a.chat, &a.id).cmp(&(&b.chat, &b.id)));
    let calls = store.calls_in(tenant, &w).await.expect("calls");
    let changes = store.stage_changes_in(tenant, &w).await.expect("changes");
    let deal_ids: Vec<DealId> = deals.iter().map(|d| d.id.clone()).collect();
    let activities = store
        .activities_in(tenant, &w, &deal_ids, &contact_ids)
        .await
        .expect("activities");
    json!({
        "managers": managers, "pipelines": pipelines, "deals": deals, "contacts": contacts,
        "chats": chats, "messages": messages, "calls": calls, "stage_changes": changes,
        "activities": activities,
    })
}

/// Tenants get distinct ids, are listed by id, and a taken slug is a conflict.
pub async fn tenants_are_created_listed_and_slugs_unique(store: &dyn Store) {
    let a = tenant(store, "alpha").await;
    let b = tenant(store, "beta").await;
    assert_ne!(a.id, b.id);
    assert_eq!(a.slug, "alpha");
    assert_eq!(store.tenant(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.tenant(TenantId(987_654)).await.unwrap(), None);
    let all = store.tenants().await.unwrap();
    assert_eq!(all, vec![a.clone(), b]);
    let dup = store
        .create_tenant(&NewTenant {
            name: "Other".into(),
            slug: "alpha".into(),
            status: TenantStatus::Paused,
            timezone: chrono_tz::UTC,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
    assert_eq!(store.tenants().await.unwrap().len(), 2);
}

/// A runtime config round-trips, is replaced on put, and an invalid one is rejected.
pub async fn runtime_config_round_trips_and_is_validated(store: &dyn Store) {
    let t = tenant(store, "cfg").await;
    assert_eq!(store.runtime_config(t.id).await.unwrap(), None);
    let mut cfg = TenantRuntimeConfig {
        mode: "radist_only".into(),
        timezone: chrono_tz::Asia::Yekaterinburg,
        metadata: json!({ "prompt": "Оцени диалоги" }),
        ..TenantRuntimeConfig::default()
    };
    store.put_runtime_config(t.id, &cfg).await.unwrap();
    assert_eq!(store.runtime_config(t.id).await.unwrap(), Some(cfg.clone()));
    cfg.radist_fetch_limit = 50;
    store.put_runtime_config(t.id, &cfg).await.unwrap();
    assert_eq!(
        store
            .runtime_config(t.id)
            .await
            .unwrap()
            .map(|c| c.radist_fetch_limit),
        Some(50)
    );
    let bad = TenantRuntimeConfig {
        radist_fetch_limit: 0,
        ..cfg.clone()
    };
    let err = store.put_runtime_config(t.id, &bad).await.unwrap_err();
    assert!(
        crate_chain(&err).contains("radist_fetch_limit"),
        "{}",
        crate_chain(&err)
    );
    assert_eq!(store.runtime_config(t.id).await.unwrap(), Some(cfg.clone()));
    let unknown = store.put_runtime_config(TenantId(987_654), &cfg).await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound { .. })),
        "{unknown:?}"
    );
}

fn crate_chain(err: &StoreError) -> String {
    synkro_core::error::chain(err)
}

/// Integrations are one per (tenant, kind), keep their secret sealed, open with the key ring,
/// and are re-sealed under a new key on rotation.
pub async fn integrations_keep_sealed_secrets_and_reseal_on_rotation(store: &dyn Store) {
    let t = tenant(store, "integr").await;
    let mut ring = KeyRing::new("k1", SealingKey::generate()).unwrap();
    let amo = IntegrationConfig::sealed(
        t.id,
        IntegrationKind::Amocrm,
        json!({ "subdomain": "acme" }),
        &Secret::new("amo-token".into()),
        &ring,
    )
    .unwrap();
    let radist = IntegrationConfig::sealed(
        t.id,
        IntegrationKind::Custom("my_crm".into()),
        json!({ "company_id": 42 }),
        &Secret::new("radist-key".into()),
        &ring,
    )
    .unwrap();
    store.put_integration(&amo).await.unwrap();
    store.put_integration(&radist).await.unwrap();
    let mut checked = amo.clone();
    checked.status = IntegrationStatus::Error;
    checked.last_error = Some("401 from amocrm".into());
    checked.last_checked_at = Some(t0());
    store.put_integration(&checked).await.unwrap();
    let mut got = store.integrations(t.id).await.unwrap();
    got.sort_by(|a, b| a.kind.cmp(&b.kind));
    assert_eq!(got.len(), 2, "one integration per kind");
    let stored_amo = store
        .integration(t.id, &IntegrationKind::Amocrm)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored_amo, checked);
    assert_eq!(stored_amo.open_secret(&ring).unwrap().expose(), "amo-token");

    ring.rotate("k2", SealingKey::generate()).unwrap();
    assert_eq!(reseal_integrations(store, t.id, &ring).await.unwrap(), 2);
    assert_eq!(reseal_integrations(store, t.id, &ring).await.unwrap(), 0);
    assert!(ring.remove("k1"));
    for cfg in store.integrations(t.id).await.unwrap() {
        assert_eq!(cfg.secret.key_id, "k2");
        let opened = cfg.open_secret(&ring).unwrap();
        assert!(["amo-token", "radist-key"].contains(&opened.expose().as_str()));
    }
    // A secret that fails to open is an error naming the tenant and integration.
    let stale = IntegrationConfig {
        secret: amo.secret.clone(),
        ..stored_amo
    };
    let err = stale.open_secret(&ring).unwrap_err().to_string();
    assert!(
        err.contains("amocrm") && err.contains(&format!("tenant {}", t.id)),
        "{err}"
    );
    let unknown = IntegrationConfig {
        tenant: TenantId(987_654),
        ..amo
    };
    assert!(matches!(
        store.put_integration(&unknown).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Users have unique logins; memberships are per tenant or global and replaced per (user,
/// tenant); password hashes are stored as given.
pub async fn users_memberships_and_password_hashes(store: &dyn Store) {
    let t = tenant(store, "people").await;
    let u = store
        .create_user(&NewUser {
            login: "anna".into(),
            phone: Some("+79000000001".into()),
            timezone: Some(chrono_tz::Europe::Moscow),
        })
        .await
        .unwrap();
    let dup = store
        .create_user(&NewUser {
            login: "anna".into(),
            phone: None,
            timezone: None,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
    assert_eq!(store.user(u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(store.user_by_login("anna").await.unwrap(), Some(u.clone()));
    assert_eq!(store.user_by_login("nobody").await.unwrap(), None);

    let global = Membership {
        user: u.id,
        tenant: None,
        role: Role::SuperAdmin,
        active: true,
    };
    let local = Membership {
        user: u.id,
        tenant: Some(t.id),
        role: Role::User,
        active: true,
    };
    store.put_membership(&global).await.unwrap();
    store.put_membership(&local).await.unwrap();
    let local2 = Membership {
        role: Role::AdminLite,
        active: false,
        ..local.clone()
    };
    store.put_membership(&local2).await.unwrap();
    let mut ms = store.memberships(u.id).await.unwrap();
    ms.sort_by_key(|m| m.tenant);
    assert_eq!(ms, vec![global.clone(), local2]);
    let bad = Membership {
        tenant: Some(TenantId(987_654)),
        ..global.clone()
    };
    assert!(matches!(
        store.put_membership(&bad).await,
        Err(StoreError::NotFound { .. })
    ));

    assert_eq!(store.password_hash(u.id).await.unwrap(), None);
    let h = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
    store.set_password_hash(u.id, &h).await.unwrap();
    assert_eq!(store.password_hash(u.id).await.unwrap(), Some(h.clone()));
    assert!(matches!(
        store
            .set_password_hash(synkro_core::model::UserId(987_654), &h)
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Applying the same batch three times leaves identical tables, and the repeats change nothing.
pub async fn applying_the_same_batch_three_times_leaves_identical_tables(store: &dyn Store) {
    let t = tenant(store, "idem").await;
    let batch = small_batch();
    let first = store.apply(t.id, "amocrm", &batch).await.unwrap();
    assert_eq!(first.inserted, batch.len() as u64, "{first:?}");
    let after_first = snapshot(store, t.id).await;
    for _ in 0..2 {
        let again = store.apply(t.id, "amocrm", &batch).await.unwrap();
        assert_eq!(again.inserted + again.updated, 0, "{again:?}");
        assert_eq!(again.unchanged, batch.len() as u64);
        assert_eq!(snapshot(store, t.id).await, after_first);
    }
    // What went in comes back out, field for field.
    let mut deals = batch.deals.clone();
    deals.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(after_first["deals"], json!(deals));
    let mut messages = batch.messages.clone();
    messages.sort_by(|a, b| (&a.chat, &a.id).cmp(&(&b.chat, &b.id)));
    assert_eq!(after_first["messages"], json!(messages));
    // The same ids from another source are other rows.
    let other = store.apply(t.id, "kommo", &batch).await.unwrap();
    assert_eq!(other.inserted, batch.len() as u64);
}

/// A record whose source update time is older than the stored one changes nothing; a newer one
/// (or an equal time with different content) replaces it.
pub async fn an_older_update_arriving_late_changes_nothing(store: &dyn Store) {
    let t = tenant(store, "late").await;
    let new = deal("d1", t0(), "Newest name");
    let r = store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                deals: vec![new.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.inserted, 1);
    let old = deal("d1", t0() - Duration::hours(1), "Old name");
    let r = store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                deals: vec![old],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 1));
    assert_eq!(store.deals(t.id).await.unwrap(), vec![new.clone()]);

    let same_time = deal("d1", t0(), "Renamed at the same second");
    let r = store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                deals: vec![same_time.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.updated, 1);
    let newer = deal("d1", t0() + Duration::minutes(5), "Newer");
    let r = store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                deals: vec![newer.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.updated, 1);
    assert_eq!(store.deals(t.id).await.unwrap(), vec![newer]);

    // Messages: a late copy without the read receipt does not erase it.
    let data = Dataset::generate(&DatasetSpec::small(3, t0()));
    let mut msg = data
        .messages
        .iter()
        .find(|m| m.read_at.is_some())
        .cloned()
        .expect("the generator marks some messages read");
    store
        .apply(
            t.id,
            "radist",
            &SyncBatch {
                messages: vec![msg.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    let read = msg.clone();
    msg.read_at = None;
    msg.delivered_at = None;
    msg.error_at = None;
    let r = store
        .apply(
            t.id,
            "radist",
            &SyncBatch {
                messages: vec![msg],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.unchanged, 1);
    assert_eq!(
        store.messages_in(t.id, &all_time()).await.unwrap(),
        vec![read]
    );
    // Managers without a source update time are replaced whenever they differ.
    let m = Manager {
        id: "m1".into(),
        name: "Ivan".into(),
        email: None,
        team: None,
        active: true,
        updated_at: None,
    };
    let m2 = Manager {
        active: false,
        ..m.clone()
    };
    store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                managers: vec![m],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    let r = store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                managers: vec![m2.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.updated, 1);
    assert_eq!(store.managers(t.id).await.unwrap(), vec![m2]);
}

/// Window queries return exactly the records inside `[start, end)`, in the documented order.
pub async fn window_queries_return_what_falls_inside(store: &dyn Store) {
    let t = tenant(store, "window").await;
    let data = Dataset::generate(&DatasetSpec::small(11, t0()));
    store.apply(t.id, "amocrm", &data.to_batch()).await.unwrap();
    let w = Window {
        start: t0() - Duration::days(1),
        end: t0(),
    };
    let deals = store.deals_updated(t.id, &w).await.unwrap();
    let mut want: Vec<Deal> = data
        .deals
        .iter()
        .filter(|d| w.contains(d.updated_at))
        .cloned()
        .collect();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(deals, want);
    let msgs = store.messages_in(t.id, &w).await.unwrap();
    let mut want: Vec<Message> = data
        .messages
        .iter()
        .filter(|m| w.contains(m.created_at))
        .cloned()
        .collect();
    want.sort_by(|a, b| (&a.chat, a.created_at, &a.id).cmp(&(&b.chat, b.created_at, &b.id)));
    assert!(!want.is_empty());
    assert_eq!(msgs, want);
    let calls = store.calls_in(t.id, &w).await.unwrap();
    let mut want: Vec<Call> = data
        .calls
        .iter()
        .filter(|c| w.contains(c.started_at))
        .cloned()
        .collect();
    want.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    assert_eq!(calls, want);
    let changes = store.stage_changes_in(t.id, &w).await.unwrap();
    let mut want: Vec<StageChange> = data
        .stage_changes
        .iter()
        .filter(|c| w.contains(c.at))
        .cloned()
        .collect();
    want.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    assert_eq!(changes, want);

    let ids: Vec<DealId> = data.deals.iter().take(3).map(|d| d.id.clone()).collect();
    let mut got = store
        .deals_by_ids(t.id, &[ids.clone(), vec![DealId::new("missing")]].concat())
        .await
        .unwrap();
    got.sort_by(|a, b| a.id.cmp(&b.id));
    let mut want: Vec<Deal> = data.deals.iter().take(3).cloned().collect();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, want);
    assert!(store.deals_by_ids(t.id, &[]).await.unwrap().is_empty());
    let cids: Vec<ContactId> = data.contacts.iter().take(4).map(|c| c.id.clone()).collect();
    let mut got: Vec<Contact> = store.contacts_by_ids(t.id, &cids).await.unwrap();
    got.sort_by(|a, b| a.id.cmp(&b.id));
    let mut want: Vec<Contact> = data.contacts.iter().take(4).cloned().collect();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, want);
    let mut chats: Vec<Chat> = store.chats(t.id).await.unwrap();
    chats.sort_by(|a, b| a.id.cmp(&b.id));
    let mut want = data.chats.clone();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(chats, want);
    let mut pipes: Vec<SalesPipeline> = store.sales_pipelines(t.id).await.unwrap();
    pipes.sort_by(|a, b| a.id.cmp(&b.id));
    let mut want = data.sales_pipelines.clone();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(pipes, want);
    assert_eq!(
        store.managers(t.id).await.unwrap().len(),
        data.managers.len()
    );
}

/// A newer parent replaces its child set: a contact's phones, a pipeline's stages.
pub async fn child_sets_are_replaced_with_their_parent(store: &dyn Store) {
    let t = tenant(store, "children").await;
    let data = Dataset::generate(&DatasetSpec::small(5, t0()));
    let mut contact = data.contacts[0].clone();
    contact.phones = vec!["+7 900 000-00-11".into(), "8 900 000 00 12".into()];
    let mut pipe = data.sales_pipelines[0].clone();
    store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                contacts: vec![contact.clone()],
                sales_pipelines: vec![pipe.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    contact.phones = vec!["+7 900 000-00-13".into()];
    contact.updated_at += Duration::minutes(1);
    pipe.stages.truncate(1);
    pipe.name = "Renamed funnel".into();
    let r = store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                contacts: vec![contact.clone()],
                sales_pipelines: vec![pipe.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.updated, 2);
    assert_eq!(
        store
            .contacts_by_ids(t.id, std::slice::from_ref(&contact.id))
            .await
            .unwrap(),
        vec![contact]
    );
    assert_eq!(store.sales_pipelines(t.id).await.unwrap(), vec![pipe]);
}

fn activity(
    id: &str,
    kind: ActivityKind,
    at: DateTime<Utc>,
    deal: Option<&str>,
    contact: Option<&str>,
) -> CrmActivity {
    CrmActivity {
        id: EventId::new(id),
        kind,
        at,
        by: Some(ManagerId::new("m1")),
        deal: deal.map(DealId::new),
        contact: contact.map(ContactId::new),
        talk: Some("talk-1".into()),
    }
}

fn activity_ids(activities: &[CrmActivity]) -> Vec<&str> {
    activities.iter().map(|a| a.id.as_str()).collect()
}

/// CRM activities are upserted by (tenant, source, id): applying them again changes nothing, an
/// older copy never replaces a stored one, the same ids under another source or tenant are other
/// rows. They are read back, field for field and oldest first, by deal or contact (either
/// matches, each row once) within a half-open window; empty id sets read nothing.
pub async fn crm_activities_are_stored_idempotently_and_read_by_deal_contact_and_window(
    store: &dyn Store,
) {
    let a = tenant(store, "activities-a").await;
    let b = tenant(store, "activities-b").await;
    let w = Window {
        start: t0() - Duration::days(1),
        end: t0(),
    };
    let h = Duration::hours;
    let acts = vec![
        activity(
            "e1",
            ActivityKind::IncomingChatMessage,
            w.start + h(1),
            Some("d1"),
            Some("c1"),
        ),
        activity(
            "e2",
            ActivityKind::OutgoingChatMessage,
            w.start + h(2),
            Some("d1"),
            None,
        ),
        activity(
            "note:5",
            ActivityKind::Note,
            w.start + Duration::minutes(30),
            None,
            Some("c2"),
        ),
        activity(
            "e3",
            ActivityKind::ChatClosed,
            w.start + h(3),
            Some("d2"),
            None,
        ),
        activity(
            "e4",
            ActivityKind::Note,
            w.start - Duration::minutes(1),
            Some("d1"),
            None,
        ),
        // The window is half-open: its end is outside.
        activity(
            "e5",
            ActivityKind::IncomingChatMessage,
            w.end,
            Some("d1"),
            None,
        ),
    ];
    let batch = SyncBatch {
        activities: acts.clone(),
        ..SyncBatch::default()
    };
    let first = store.apply(a.id, "amocrm", &batch).await.unwrap();
    assert_eq!((first.inserted, first.updated), (6, 0), "{first:?}");
    for _ in 0..2 {
        let again = store.apply(a.id, "amocrm", &batch).await.unwrap();
        assert_eq!(
            (again.inserted, again.updated, again.unchanged),
            (0, 0, 6),
            "{again:?}"
        );
    }

    let d = |ids: &[&str]| ids.iter().map(|i| DealId::new(*i)).collect::<Vec<_>>();
    let c = |ids: &[&str]| ids.iter().map(|i| ContactId::new(*i)).collect::<Vec<_>>();
    let by_deal = store
        .activities_in(a.id, &w, &d(&["d1"]), &[])
        .await
        .unwrap();
    assert_eq!(
        by_deal,
        vec![acts[0].clone(), acts[1].clone()],
        "field for field"
    );
    let by_contact = store
        .activities_in(a.id, &w, &[], &c(&["c2"]))
        .await
        .unwrap();
    assert_eq!(activity_ids(&by_contact), ["note:5"]);
    // e1 names both d1 and c1: it comes once.
    let both = store
        .activities_in(a.id, &w, &d(&["d1", "d2"]), &c(&["c1", "c2"]))
        .await
        .unwrap();
    assert_eq!(activity_ids(&both), ["note:5", "e1", "e2", "e3"]);
    let all = store
        .activities_in(a.id, &all_time(), &d(&["d1"]), &[])
        .await
        .unwrap();
    assert_eq!(activity_ids(&all), ["e4", "e1", "e2", "e5"]);
    assert!(
        store
            .activities_in(a.id, &all_time(), &[], &[])
            .await
            .unwrap()
            .is_empty(),
        "no ids, no activities"
    );
    assert!(
        store
            .activities_in(a.id, &all_time(), &d(&["d404"]), &c(&["c404"]))
            .await
            .unwrap()
            .is_empty()
    );

    // An older copy changes nothing; the same time with other content (re-linked to a contact)
    // replaces the stored row.
    let mut late = acts[1].clone();
    late.at -= h(1);
    late.contact = Some(ContactId::new("c9"));
    let r = store
        .apply(
            a.id,
            "amocrm",
            &SyncBatch {
                activities: vec![late],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 1), "{r:?}");
    let mut relinked = acts[1].clone();
    relinked.contact = Some(ContactId::new("c9"));
    let r = store
        .apply(
            a.id,
            "amocrm",
            &SyncBatch {
                activities: vec![relinked.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((r.inserted, r.updated), (0, 1), "{r:?}");
    assert_eq!(
        store
            .activities_in(a.id, &w, &[], &c(&["c9"]))
            .await
            .unwrap(),
        vec![relinked.clone()]
    );

    // The same id from another source is another row, read after the first at the same instant.
    let r = store
        .apply(
            a.id,
            "kommo",
            &SyncBatch {
                activities: vec![acts[0].clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.inserted, 1);
    assert_eq!(
        activity_ids(
            &store
                .activities_in(a.id, &w, &d(&["d1"]), &[])
                .await
                .unwrap()
        ),
        ["e1", "e1", "e2"]
    );

    // Tenants: B sees none of A's rows, and B's rows under the same ids leave A's untouched.
    let before = store
        .activities_in(
            a.id,
            &all_time(),
            &d(&["d1", "d2"]),
            &c(&["c1", "c2", "c9"]),
        )
        .await
        .unwrap();
    assert_eq!(before.len(), 7);
    assert!(
        store
            .activities_in(
                b.id,
                &all_time(),
                &d(&["d1", "d2"]),
                &c(&["c1", "c2", "c9"])
            )
            .await
            .unwrap()
            .is_empty(),
        "activities leaked to another tenant"
    );
    let theirs: Vec<CrmActivity> = acts
        .iter()
        .cloned()
        .map(|mut x| {
            x.by = Some(ManagerId::new("b-manager"));
            x
        })
        .collect();
    let r = store
        .apply(
            b.id,
            "amocrm",
            &SyncBatch {
                activities: theirs.clone(),
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.inserted, 6, "B's own rows: {r:?}");
    assert_eq!(
        store
            .activities_in(
                a.id,
                &all_time(),
                &d(&["d1", "d2"]),
                &c(&["c1", "c2", "c9"])
            )
            .await
            .unwrap(),
        before
    );
    let b_rows = store
        .activities_in(b.id, &w, &d(&["d1"]), &[])
        .await
        .unwrap();
    assert_eq!(b_rows, vec![theirs[0].clone(), theirs[1].clone()]);
    // Unknown tenants are refused.
    let ghost = store.apply(TenantId(987_654), "amocrm", &batch).await;
    assert!(
        matches!(ghost, Err(StoreError::NotFound { .. })),
        "{ghost:?}"
    );
}

/// Cursors are per (tenant, source, stream, scope), only move forward, and commit atomically with
/// their batch.
pub async fn sync_cursors_only_move_forward_and_commit_with_the_batch(store: &dyn Store) {
    let t = tenant(store, "cursor").await;
    let key = CursorKey::new(t.id, "amocrm", "deals");
    assert_eq!(store.cursor(&key).await.unwrap(), None);
    let adv = |at: DateTime<Utc>, pos: Option<&str>| CursorAdvance {
        stream: "deals".into(),
        scope: String::new(),
        at,
        position: pos.map(str::to_owned),
    };
    let batch = SyncBatch {
        deals: vec![deal("d1", t0(), "A")],
        ..SyncBatch::default()
    };
    store
        .apply_with_cursors(t.id, "amocrm", &batch, &[adv(t0(), Some("page-2"))])
        .await
        .unwrap();
    let c = store.cursor(&key).await.unwrap().expect("advanced");
    assert_eq!(c.cursor_at, t0());
    assert_eq!(c.position.as_deref(), Some("page-2"));
    assert_eq!(store.deals(t.id).await.unwrap().len(), 1);
    // Backwards: nothing moves.
    store
        .apply_with_cursors(
            t.id,
            "amocrm",
            &SyncBatch::default(),
            &[adv(t0() - Duration::hours(1), Some("page-1"))],
        )
        .await
        .unwrap();
    let c = store.cursor(&key).await.unwrap().expect("kept");
    assert_eq!((c.cursor_at, c.position.as_deref()), (t0(), Some("page-2")));
    // Forward moves; other streams, scopes and sources are separate.
    store
        .apply_with_cursors(
            t.id,
            "amocrm",
            &SyncBatch::default(),
            &[
                adv(t0() + Duration::hours(1), None),
                CursorAdvance {
                    scope: "chat-9".into(),
                    stream: "messages".into(),
                    ..adv(t0() - Duration::days(2), None)
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        store.cursor(&key).await.unwrap().map(|c| c.cursor_at),
        Some(t0() + Duration::hours(1))
    );
    let scoped = CursorKey::new(t.id, "amocrm", "messages").scope("chat-9");
    assert_eq!(
        store.cursor(&scoped).await.unwrap().map(|c| c.cursor_at),
        Some(t0() - Duration::days(2))
    );
    assert_eq!(
        store
            .cursor(&CursorKey::new(t.id, "radist", "deals"))
            .await
            .unwrap(),
        None
    );
    // A failing batch (unknown tenant) advances nothing.
    let ghost = TenantId(987_654);
    assert!(
        store
            .apply_with_cursors(ghost, "amocrm", &batch, &[adv(t0(), None)])
            .await
            .is_err()
    );
    assert_eq!(
        store
            .cursor(&CursorKey::new(ghost, "amocrm", "deals"))
            .await
            .unwrap(),
        None
    );
}

/// `record_sync` keeps the latest instant; `last_sync` is per tenant and source.
pub async fn last_sync_never_moves_backwards(store: &dyn Store) {
    let t = tenant(store, "lastsync").await;
    assert_eq!(store.last_sync(t.id, "radist").await.unwrap(), None);
    store.record_sync(t.id, "radist", t0()).await.unwrap();
    store
        .record_sync(t.id, "radist", t0() - Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(store.last_sync(t.id, "radist").await.unwrap(), Some(t0()));
    store
        .record_sync(t.id, "radist", t0() + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(
        store.last_sync(t.id, "radist").await.unwrap(),
        Some(t0() + Duration::hours(2))
    );
    assert_eq!(store.last_sync(t.id, "amocrm").await.unwrap(), None);
}

/// Runs: idempotency key, queued → running → finished, events and progress, listing.
pub async fn run_lifecycle_is_enforced(store: &dyn Store) {
    let t = tenant(store, "runs").await;
    let req = new_run(t.id, "k1");
    let created = store.create_run(&req, t0()).await.unwrap();
    let CreateRun::Created(run) = created else {
        panic!("first create must create: {created:?}");
    };
    assert_eq!(run.state, RunState::Queued);
    assert_eq!(run.attempt, 0);
    assert_eq!(run.window, req.window);
    assert_eq!(run.metadata, req.metadata);
    let again = store.create_run(&req, t0()).await.unwrap();
    assert!(
        matches!(&again, CreateRun::Existing(r) if r.id == run.id),
        "{again:?}"
    );

    let started = store
        .start_run(t.id, run.id, t0() + Duration::seconds(1))
        .await
        .unwrap()
        .expect("queued run starts");
    assert_eq!(started.state, RunState::Running);
    assert_eq!(started.attempt, 1);
    assert_eq!(started.started_at, Some(t0() + Duration::seconds(1)));
    assert_eq!(store.start_run(t.id, run.id, t0()).await.unwrap(), None);

    store
        .record_event(
            t.id,
            run.id,
            &NewRunEvent::info("prepare", "config ok").progress(10),
            t0(),
        )
        .await
        .unwrap();
    store
        .record_event(
            t.id,
            run.id,
            &NewRunEvent::warn("sync.radist", "stale").data(json!({"error_kind": "unavailable"})),
            t0() + Duration::seconds(2),
        )
        .await
        .unwrap();
    store
        .record_event(
            t.id,
            run.id,
            &NewRunEvent::info("analyze", "ok").progress(60),
            t0(),
        )
        .await
        .unwrap();
    let events = store.run_events(t.id, run.id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e.event.step.as_str())
            .collect::<Vec<_>>(),
        ["prepare", "sync.radist", "analyze"]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(events[1].event.data, json!({"error_kind": "unavailable"}));
    assert_eq!(events[1].at, t0() + Duration::seconds(2));
    let now_run = store.run(t.id, run.id).await.unwrap().unwrap();
    assert_eq!(now_run.current_step.as_deref(), Some("analyze"));
    assert_eq!(now_run.progress, 60);

    let failed = store
        .finish_run(
            t.id,
            run.id,
            &RunOutcome::Failed {
                kind: "source_unavailable".into(),
                message: "radist: unavailable on GET /chats".into(),
            },
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(failed.state, RunState::Failed);
    assert_eq!(failed.error_kind.as_deref(), Some("source_unavailable"));
    assert_eq!(failed.finished_at, Some(t0() + Duration::minutes(1)));
    let twice = store
        .finish_run(t.id, run.id, &RunOutcome::Cancelled, t0())
        .await;
    assert!(
        matches!(twice, Err(StoreError::Conflict { .. })),
        "{twice:?}"
    );
    assert_eq!(store.run(t.id, run.id).await.unwrap(), Some(failed.clone()));

    let second = store.create_run(&new_run(t.id, "k2"), t0()).await.unwrap();
    let third = store.create_run(&new_run(t.id, "k3"), t0()).await.unwrap();
    let listed: Vec<_> = store
        .runs(t.id, 2)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, vec![third.run().id, second.run().id]);
}

/// Cancel: a queued run is cancelled at once, a running run gets a flag, a finished run stays.
pub async fn cancel_stops_queued_runs_and_flags_running_ones(store: &dyn Store) {
    let t = tenant(store, "cancel").await;
    let q = store.create_run(&new_run(t.id, "q"), t0()).await.unwrap();
    let state = store
        .request_cancel(t.id, q.run().id, None, t0())
        .await
        .unwrap();
    assert_eq!(state, RunState::Cancelled);
    let q_now = store.run(t.id, q.run().id).await.unwrap().unwrap();
    assert_eq!(q_now.state, RunState::Cancelled);
    assert_eq!(q_now.finished_at, Some(t0()));
    assert_eq!(store.start_run(t.id, q.run().id, t0()).await.unwrap(), None);

    let r = store.create_run(&new_run(t.id, "r"), t0()).await.unwrap();
    store.start_run(t.id, r.run().id, t0()).await.unwrap();
    assert!(!store.cancel_requested(t.id, r.run().id).await.unwrap());
    let state = store
        .request_cancel(t.id, r.run().id, None, t0())
        .await
        .unwrap();
    assert_eq!(state, RunState::Running);
    assert!(store.cancel_requested(t.id, r.run().id).await.unwrap());
    let done = store
        .finish_run(t.id, r.run().id, &RunOutcome::Cancelled, t0())
        .await
        .unwrap();
    assert_eq!(done.state, RunState::Cancelled);
    let state = store
        .request_cancel(t.id, r.run().id, None, t0())
        .await
        .unwrap();
    assert_eq!(state, RunState::Cancelled);
}

/// Reports need their run, list newest first, change status; follow-ups come back in order.
pub async fn reports_and_follow_ups_round_trip(store: &dyn Store) {
    let t = tenant(store, "reports").await;
    let run = store.create_run(&new_run(t.id, "rep"), t0()).await.unwrap();
    let new = NewReport {
        tenant: t.id,
        run: run.run().id,
        kind: ReportKind::Daily,
        document: document(t.id),
        summary_text: "# Отчёт\nВсё хорошо".into(),
        followup_deadline_at: Some(t0() + Duration::hours(1)),
    };
    let r1 = store.save_report(&new, t0()).await.unwrap();
    assert_eq!(r1.status, ReportStatus::Ready);
    assert_eq!(r1.document, new.document);
    assert_eq!(r1.window, new.document.window);
    assert_eq!(r1.period_start, new.document.period_start);
    let r2 = store
        .save_report(
            &NewReport {
                kind: ReportKind::Forced,
                ..new.clone()
            },
            t0() + Duration::seconds(5),
        )
        .await
        .unwrap();
    assert_eq!(store.report(t.id, r1.id).await.unwrap(), Some(r1.clone()));
    let ids: Vec<_> = store
        .reports(t.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, vec![r2.id, r1.id]);
    store
        .set_report_status(t.id, r1.id, ReportStatus::Sent)
        .await
        .unwrap();
    assert_eq!(
        store.report(t.id, r1.id).await.unwrap().map(|r| r.status),
        Some(ReportStatus::Sent)
    );
    for (i, q) in ["Почему мало сделок?", "Кто лучший менеджер?"]
        .iter()
        .enumerate()
    {
        store
            .add_report_message(&ReportMessage {
                report: r1.id,
                tenant: t.id,
                actor: None,
                question: (*q).to_owned(),
                answer: format!("Ответ {i}"),
                at: t0() + Duration::minutes(i64::try_from(i).unwrap_or(0)),
            })
            .await
            .unwrap();
    }
    let msgs = store.report_messages(t.id, r1.id).await.unwrap();
    assert_eq!(
        msgs.iter().map(|m| m.answer.as_str()).collect::<Vec<_>>(),
        ["Ответ 0", "Ответ 1"]
    );
    let missing_run = store
        .save_report(
            &NewReport {
                run: synkro_core::model::RunId(987_654),
                ..new
            },
            t0(),
        )
        .await;
    assert!(
        matches!(missing_run, Err(StoreError::NotFound { .. })),
        "{missing_run:?}"
    );
}

fn audit(tenant: TenantId, action: &str, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        tenant,
        actor: None,
        action: action.into(),
        message: format!("{action} happened"),
        metadata: json!({ "n": 1 }),
        ip_address: Some("127.0.0.1".into()),
        at,
    }
}

/// The audit log is per tenant, newest first, limited.
pub async fn audit_log_is_per_tenant_newest_first(store: &dyn Store) {
    let a = tenant(store, "audit-a").await;
    let b = tenant(store, "audit-b").await;
    for (i, action) in ["run.queued", "run.started", "run.succeeded"]
        .iter()
        .enumerate()
    {
        store
            .append_audit(&audit(
                a.id,
                action,
                t0() + Duration::seconds(i64::try_from(i).unwrap_or(0)),
            ))
            .await
            .unwrap();
    }
    store
        .append_audit(&audit(b.id, "config.updated", t0()))
        .await
        .unwrap();
    let got = store.audit_log(a.id, 2).await.unwrap();
    assert_eq!(
        got.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["run.succeeded", "run.started"]
    );
    assert_eq!(
        got[1],
        audit(a.id, "run.started", t0() + Duration::seconds(1))
    );
    assert_eq!(store.audit_log(b.id, 10).await.unwrap().len(), 1);
}

/// Every store method scoped by tenant: tenant B can neither read nor change tenant A's rows.
pub async fn no_method_lets_one_tenant_read_or_change_anothers_rows(store: &dyn Store) {
    let a = tenant(store, "iso-a").await;
    let b = tenant(store, "iso-b").await;
    store.apply(a.id, "amocrm", &small_batch()).await.unwrap();
    store
        .apply_with_cursors(
            a.id,
            "amocrm",
            &SyncBatch::default(),
            &[CursorAdvance {
                stream: "deals".into(),
                scope: String::new(),
                at: t0(),
                position: None,
            }],
        )
        .await
        .unwrap();
    store.record_sync(a.id, "amocrm", t0()).await.unwrap();
    let ring = KeyRing::new("k", SealingKey::generate()).unwrap();
    store
        .put_integration(
            &IntegrationConfig::sealed(
                a.id,
                IntegrationKind::Telegram,
                json!({}),
                &Secret::new("bot".into()),
                &ring,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    store
        .put_runtime_config(a.id, &TenantRuntimeConfig::default())
        .await
        .unwrap();
    store.append_audit(&audit(a.id, "x", t0())).await.unwrap();
    let run = store.create_run(&new_run(a.id, "iso"), t0()).await.unwrap();
    let run_id = run.run().id;
    store.start_run(a.id, run_id, t0()).await.unwrap();
    store
        .record_event(a.id, run_id, &NewRunEvent::info("s", "m"), t0())
        .await
        .unwrap();
    let report = store
        .save_report(
            &NewReport {
                tenant: a.id,
                run: run_id,
                kind: ReportKind::Daily,
                document: document(a.id),
                summary_text: "a".into(),
                followup_deadline_at: None,
            },
            t0(),
        )
        .await
        .unwrap();
    store
        .add_report_message(&ReportMessage {
            report: report.id,
            tenant: a.id,
            actor: None,
            question: "q".into(),
            answer: "a".into(),
            at: t0(),
        })
        .await
        .unwrap();
    let before = snapshot(store, a.id).await;

    // Reads as B see nothing of A.
    let empty = snapshot(store, b.id).await;
    for table in [
        "managers",
        "pipelines",
        "deals",
        "chats",
        "messages",
        "calls",
        "stage_changes",
        "activities",
    ] {
        assert_eq!(empty[table], json!([]), "{table} leaked to another tenant");
    }
    let a_deal_ids: Vec<DealId> = store
        .deals(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert!(
        store
            .deals_by_ids(b.id, &a_deal_ids)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .deals_updated(b.id, &all_time())
            .await
            .unwrap()
            .is_empty()
    );
    let a_contact_ids: Vec<ContactId> = store
        .deals(a.id)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|d| d.contacts)
        .collect();
    assert!(
        store
            .activities_in(b.id, &all_time(), &a_deal_ids, &a_contact_ids)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .cursor(&CursorKey::new(b.id, "amocrm", "deals"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.last_sync(b.id, "amocrm").await.unwrap(), None);
    assert!(store.integrations(b.id).await.unwrap().is_empty());
    assert_eq!(store.runtime_config(b.id).await.unwrap(), None);
    assert!(store.audit_log(b.id, 10).await.unwrap().is_empty());
    assert_eq!(store.run(b.id, run_id).await.unwrap(), None);
    assert!(store.runs(b.id, 10).await.unwrap().is_empty());
    assert!(store.run_events(b.id, run_id).await.unwrap().is_empty());
    assert_eq!(store.report(b.id, report.id).await.unwrap(), None);
    assert!(store.reports(b.id, 10).await.unwrap().is_empty());
    assert!(
        store
            .report_messages(b.id, report.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Changes as B to A's rows are refused and change nothing.
    let nf = |r: Result<(), StoreError>, what: &str| {
        assert!(
            matches!(r, Err(StoreError::NotFound { .. })),
            "{what}: {r:?}"
        );
    };
    nf(
        store.start_run(b.id, run_id, t0()).await.map(|_| ()),
        "start_run",
    );
    nf(
        store
            .record_event(b.id, run_id, &NewRunEvent::info("evil", "x"), t0())
            .await,
        "record_event",
    );
    nf(
        store
            .finish_run(b.id, run_id, &RunOutcome::Cancelled, t0())
            .await
            .map(|_| ()),
        "finish_run",
    );
    nf(
        store
            .request_cancel(b.id, run_id, None, t0())
            .await
            .map(|_| ()),
        "request_cancel",
    );
    nf(
        store.cancel_requested(b.id, run_id).await.map(|_| ()),
        "cancel_requested",
    );
    nf(
        store
            .set_report_status(b.id, report.id, ReportStatus::Failed)
            .await,
        "set_report_status",
    );
    nf(
        store
            .add_report_message(&ReportMessage {
                report: report.id,
                tenant: b.id,
                actor: None,
                question: "q".into(),
                answer: "a".into(),
                at: t0(),
            })
            .await,
        "add_report_message",
    );
    nf(
        store
            .save_report(
                &NewReport {
                    tenant: b.id,
                    run: run_id,
                    kind: ReportKind::Daily,
                    document: document(b.id),
                    summary_text: "b".into(),
                    followup_deadline_at: None,
                },
                t0(),
            )
            .await
            .map(|_| ()),
        "save_report",
    );
    // B writing the same natural ids creates B's own rows, leaving A's untouched.
    let mut batch = small_batch();
    for d in &mut batch.deals {
        d.name = "overwritten by B".into();
        d.updated_at += Duration::days(1);
    }
    store.apply(b.id, "amocrm", &batch).await.unwrap();
    assert_eq!(snapshot(store, a.id).await, before);
    let a_run = store.run(a.id, run_id).await.unwrap().unwrap();
    assert_eq!(a_run.state, RunState::Running);
    assert_eq!(a_run.current_step.as_deref(), Some("s"));
    assert!(!store.cancel_requested(a.id, run_id).await.unwrap());
    assert_eq!(store.run_events(a.id, run_id).await.unwrap().len(), 1);
    assert_eq!(
        store
            .report(a.id, report.id)
            .await
            .unwrap()
            .map(|r| r.status),
        Some(ReportStatus::Ready)
    );
    assert_eq!(
        store.report_messages(a.id, report.id).await.unwrap().len(),
        1
    );
}

/// Writes naming a tenant that does not exist fail with `NotFound` and store nothing.
pub async fn unknown_tenants_are_rejected_and_nothing_is_written(store: &dyn Store) {
    let ghost = TenantId(987_654);
    let r = store.apply(ghost, "amocrm", &small_batch()).await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    assert!(store.deals(ghost).await.unwrap().is_empty());
    let r = store.create_run(&new_run(ghost, "ghost"), t0()).await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    assert!(store.runs(ghost, 10).await.unwrap().is_empty());
    let r = store.record_sync(ghost, "amocrm", t0()).await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    let r = store.append_audit(&audit(ghost, "x", t0())).await;
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    assert!(store.audit_log(ghost, 10).await.unwrap().is_empty());
}
