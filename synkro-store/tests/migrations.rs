//! Migrations: versioned, forward-only, and a database created by an older version migrates
//! forward without losing rows.

mod common;

use synkro_core::model::{
    ActivityKind, ContactId, CrmActivity, Deal, DealId, EventId, TenantId, TenantStatus, Window,
};
use synkro_core::store::{
    CursorAdvance, CursorKey, DataStore, NewTenant, Store, SyncBatch, TenantStore,
};
use synkro_store::{PgOptions, PgStore, SqliteOptions, SqliteStore};

#[tokio::test]
async fn sqlite_database_at_version_1_migrates_forward_keeping_its_rows() {
    let path =
        std::env::temp_dir().join(format!("synkro-mig-{}.db", uuid::Uuid::new_v4().simple()));
    let old = SqliteStore::open_with(&path, SqliteOptions::default().migrate(false))
        .await
        .unwrap();
    synkro_store::sqlite::MIGRATOR
        .run_to(1, old.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO tenant (name, slug, status, timezone, created_at) VALUES ('Old', 'old', 'active', 'Europe/Moscow', 0)")
        .execute(old.pool())
        .await
        .unwrap();
    let has_cursor: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name = 'sync_cursor'")
            .fetch_optional(old.pool())
            .await
            .unwrap();
    assert_eq!(has_cursor, None, "version 1 has no cursor table");
    old.pool().close().await;

    // Opening with the current code applies 0002 and 0003 and keeps the tenant.
    let store = SqliteStore::open(&path).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(versions, vec![1, 2, 3]);
    let tenants = store.tenants().await.unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0].slug, "old");
    let t = tenants[0].id;
    store
        .apply_with_cursors(
            t,
            "amocrm",
            &Default::default(),
            &[CursorAdvance {
                stream: "deals".into(),
                scope: String::new(),
                at: "2026-03-01T00:00:00Z".parse().unwrap(),
                position: None,
            }],
        )
        .await
        .unwrap();
    assert!(
        store
            .cursor(&CursorKey::new(t, "amocrm", "deals"))
            .await
            .unwrap()
            .is_some()
    );
    // Re-opening is a no-op.
    drop(store);
    let again = SqliteStore::open(&path).await.unwrap();
    assert_eq!(again.tenants().await.unwrap().len(), 1);
}

#[tokio::test]
async fn opening_without_migrating_leaves_the_database_empty() {
    let path =
        std::env::temp_dir().join(format!("synkro-nomig-{}.db", uuid::Uuid::new_v4().simple()));
    let store = SqliteStore::open_with(&path, SqliteOptions::default().migrate(false))
        .await
        .unwrap();
    let err = store
        .create_tenant(&NewTenant {
            name: "x".into(),
            slug: "x".into(),
            status: TenantStatus::Active,
            timezone: chrono_tz::UTC,
        })
        .await
        .unwrap_err();
    assert!(synkro_core::error::chain(&err).contains("tenant"), "{err}");
    store.migrate().await.unwrap();
    assert!(store.tenants().await.unwrap().is_empty());
}

#[tokio::test]
async fn postgres_schema_at_version_1_migrates_forward_keeping_its_rows() {
    let Some(url) = synkro_testkit::env::postgres_url() else {
        return;
    };
    let schema = common::schema_name("migrate_forward");
    let old = match PgStore::connect_with(
        &url,
        PgOptions::default().schema(schema.clone()).migrate(false),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            let _: Option<()> = synkro_testkit::env::postgres_unreachable(&e);
            return;
        }
    };
    synkro_store::postgres::MIGRATOR
        .run_to(1, old.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO tenant (name, slug, status, timezone, created_at) VALUES ('Old', 'old', 'active', 'Europe/Moscow', now())")
        .execute(old.pool())
        .await
        .unwrap();
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass('sync_cursor')::text")
        .fetch_one(old.pool())
        .await
        .unwrap();
    assert_eq!(exists, None, "version 1 has no cursor table");
    old.pool().close().await;

    let store = PgStore::connect_with(&url, PgOptions::default().schema(schema.clone()))
        .await
        .unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(versions, vec![1, 2, 3]);
    let tenants = store.tenants().await.unwrap();
    assert_eq!(
        tenants.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
        ["old"]
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(store.pool())
        .await
        .unwrap();
}

/// Version 2 → 3: the deal stored before the upgrade stays, and activities can be written and
/// read back by deal and contact.
async fn version_3_keeps_rows_and_stores_activities(store: &dyn Store, tenant: TenantId) {
    let deals = store.deals(tenant).await.unwrap();
    assert_eq!(
        deals.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["d1"],
        "the deal written at version 2 survives"
    );
    let at = "2026-03-10T10:00:00Z".parse().unwrap();
    let note = CrmActivity {
        id: EventId::new("note:1"),
        kind: ActivityKind::Note,
        at,
        by: None,
        deal: None,
        contact: Some(ContactId::new("c1")),
        talk: None,
    };
    let event = CrmActivity {
        id: EventId::new("e1"),
        kind: ActivityKind::ChatClosed,
        deal: Some(DealId::new("d1")),
        contact: None,
        talk: Some("77".into()),
        ..note.clone()
    };
    let batch = SyncBatch {
        activities: vec![event.clone(), note.clone()],
        ..SyncBatch::default()
    };
    assert_eq!(
        store
            .apply(tenant, "amocrm", &batch)
            .await
            .unwrap()
            .inserted,
        2
    );
    assert_eq!(
        store
            .apply(tenant, "amocrm", &batch)
            .await
            .unwrap()
            .unchanged,
        2
    );
    let window = Window {
        start: "2026-03-10T00:00:00Z".parse().unwrap(),
        end: "2026-03-11T00:00:00Z".parse().unwrap(),
    };
    let got = store
        .activities_in(
            tenant,
            &window,
            &[DealId::new("d1")],
            &[ContactId::new("c1")],
        )
        .await
        .unwrap();
    assert_eq!(got, vec![event, note], "same instant: by id");
}

fn v2_deal_json() -> String {
    let deal = Deal {
        id: DealId::new("d1"),
        name: "Old deal".into(),
        pipeline: None,
        stage: None,
        responsible: None,
        price: None,
        contacts: vec![ContactId::new("c1")],
        phones: Vec::new(),
        loss_reason: None,
        created_at: "2026-03-01T00:00:00Z".parse().unwrap(),
        updated_at: "2026-03-02T00:00:00Z".parse().unwrap(),
        closed_at: None,
        custom_fields: serde_json::Value::Null,
        synthetic: false,
    };
    serde_json::to_string(&deal).unwrap()
}

#[tokio::test]
async fn sqlite_database_at_version_2_migrates_to_3_keeping_its_rows() {
    let path =
        std::env::temp_dir().join(format!("synkro-mig3-{}.db", uuid::Uuid::new_v4().simple()));
    let old = SqliteStore::open_with(&path, SqliteOptions::default().migrate(false))
        .await
        .unwrap();
    synkro_store::sqlite::MIGRATOR
        .run_to(2, old.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO tenant (name, slug, status, timezone, created_at) VALUES ('Old', 'old', 'active', 'Europe/Moscow', 0)")
        .execute(old.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO deal (tenant_id, source, external_id, source_updated_at, data, name) \
         VALUES (1, 'amocrm', 'd1', 1772409600000, $1, 'Old deal')",
    )
    .bind(v2_deal_json())
    .execute(old.pool())
    .await
    .unwrap();
    let has_activity: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name = 'crm_activity'")
            .fetch_optional(old.pool())
            .await
            .unwrap();
    assert_eq!(has_activity, None, "version 2 has no activity table");
    old.pool().close().await;

    let store = SqliteStore::open(&path).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(versions, vec![1, 2, 3]);
    let tenants = store.tenants().await.unwrap();
    assert_eq!(tenants.len(), 1);
    version_3_keeps_rows_and_stores_activities(&store, tenants[0].id).await;
}

#[tokio::test]
async fn postgres_schema_at_version_2_migrates_to_3_keeping_its_rows() {
    let Some(url) = synkro_testkit::env::postgres_url() else {
        return;
    };
    let schema = common::schema_name("migrate_to_3");
    let old = match PgStore::connect_with(
        &url,
        PgOptions::default().schema(schema.clone()).migrate(false),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            let _: Option<()> = synkro_testkit::env::postgres_unreachable(&e);
            return;
        }
    };
    synkro_store::postgres::MIGRATOR
        .run_to(2, old.pool())
        .await
        .unwrap();
    let tenant: i64 = sqlx::query_scalar("INSERT INTO tenant (name, slug, status, timezone, created_at) VALUES ('Old', 'old', 'active', 'Europe/Moscow', now()) RETURNING id")
        .fetch_one(old.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO deal (tenant_id, source, external_id, source_updated_at, data, name) \
         VALUES ($1, 'amocrm', 'd1', '2026-03-02T00:00:00Z', $2::jsonb, 'Old deal')",
    )
    .bind(tenant)
    .bind(v2_deal_json())
    .execute(old.pool())
    .await
    .unwrap();
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass('crm_activity')::text")
        .fetch_one(old.pool())
        .await
        .unwrap();
    assert_eq!(exists, None, "version 2 has no activity table");
    old.pool().close().await;

    let store = PgStore::connect_with(&url, PgOptions::default().schema(schema.clone()))
        .await
        .unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(versions, vec![1, 2, 3]);
    version_3_keeps_rows_and_stores_activities(&store, TenantId(tenant)).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(store.pool())
        .await
        .unwrap();
}
