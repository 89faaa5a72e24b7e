//! Migrations: versioned, forward-only, and a database created by an older version migrates
//! forward without losing rows. Each scenario is one body run against SQLite and PostgreSQL.

mod common;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use synkro_core::model::{
    ActivityKind, ContactId, CrmActivity, Deal, DealId, DeletedDeal, EventId, TenantId,
    TenantStatus, Window,
};
use synkro_core::store::{
    CursorAdvance, CursorKey, NewTenant, PhoneSpelling, Store, SyncBatch, TenantStore,
};
use synkro_store::{PgOptions, PgStore, SqliteOptions, SqliteStore};

/// A new database file under the system temp directory, named `synkro-<prefix>-<uuid>.db`.
fn temp_db_path(prefix: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "synkro-{prefix}-{}.db",
        uuid::Uuid::new_v4().simple()
    ))
}

/// A database of either backend brought by hand to an old schema version, without the current
/// code's migrations.
enum OldDatabase {
    Sqlite {
        path: PathBuf,
        old: SqliteStore,
    },
    Postgres {
        url: String,
        schema: String,
        old: PgStore,
    },
}

impl OldDatabase {
    /// A new SQLite file migrated up to `version`.
    async fn sqlite(prefix: &str, version: i64) -> Self {
        let path = temp_db_path(prefix);
        let old = SqliteStore::open_with(&path, SqliteOptions::default().migrate(false))
            .await
            .unwrap();
        synkro_store::sqlite::MIGRATOR
            .run_to(version, old.pool())
            .await
            .unwrap();
        Self::Sqlite { path, old }
    }

    /// A new PostgreSQL schema migrated up to `version`, or `None` (after the skip notice) when
    /// no server is configured or it is unreachable and PostgreSQL is not required.
    async fn postgres(test: &str, version: i64) -> Option<Self> {
        let url = synkro_testkit::env::postgres_url()?;
        let schema = common::schema_name(test);
        let old = match PgStore::connect_with(
            &url,
            PgOptions::default().schema(schema.clone()).migrate(false),
        )
        .await
        {
            Ok(s) => s,
            Err(e) => return synkro_testkit::env::postgres_unreachable(&e),
        };
        synkro_store::postgres::MIGRATOR
            .run_to(version, old.pool())
            .await
            .unwrap();
        Some(Self::Postgres { url, schema, old })
    }

    /// Writes the tenant `old` with the old schema; returns its id.
    async fn insert_tenant(&self) -> i64 {
        match self {
            Self::Sqlite { old, .. } => {
                sqlx::query("INSERT INTO tenant (name, slug, status, timezone, created_at) VALUES ('Old', 'old', 'active', 'Europe/Moscow', 0)")
                    .execute(old.pool())
                    .await
                    .unwrap()
                    .last_insert_rowid()
            }
            Self::Postgres { old, .. } => {
                sqlx::query_scalar("INSERT INTO tenant (name, slug, status, timezone, created_at) VALUES ('Old', 'old', 'active', 'Europe/Moscow', now()) RETURNING id")
                    .fetch_one(old.pool())
                    .await
                    .unwrap()
            }
        }
    }

    /// Writes deal `d1` with `data` (its JSON) the way versions 2 and 3 stored it.
    async fn insert_old_deal(&self, tenant: i64, data: String) {
        match self {
            Self::Sqlite { old, .. } => {
                sqlx::query(
                    "INSERT INTO deal (tenant_id, source, external_id, source_updated_at, data, name) \
                     VALUES ($1, 'amocrm', 'd1', 1772409600000, $2, 'Old deal')",
                )
                .bind(tenant)
                .bind(data.clone())
                .execute(old.pool())
                .await
                .unwrap();
            }
            Self::Postgres { old, .. } => {
                sqlx::query(
                    "INSERT INTO deal (tenant_id, source, external_id, source_updated_at, data, name) \
                     VALUES ($1, 'amocrm', 'd1', '2026-03-02T00:00:00Z', $2::jsonb, 'Old deal')",
                )
                .bind(tenant)
                .bind(data.clone())
                .execute(old.pool())
                .await
                .unwrap();
            }
        }
    }

    /// The `deleted_at` column of every deal, by id, read with a connection of its own (after
    /// [`open_current`](Self::open_current) closed the old one).
    async fn deal_deleted_at(&self) -> Vec<(String, Option<DateTime<Utc>>)> {
        const SQL: &str = "SELECT external_id, deleted_at FROM deal ORDER BY external_id";
        match self {
            Self::Sqlite { path, .. } => {
                let store = SqliteStore::open_with(path, SqliteOptions::default().migrate(false))
                    .await
                    .unwrap();
                let rows: Vec<(String, Option<i64>)> =
                    sqlx::query_as(SQL).fetch_all(store.pool()).await.unwrap();
                rows.into_iter()
                    .map(|(id, ms)| (id, ms.and_then(DateTime::from_timestamp_millis)))
                    .collect()
            }
            Self::Postgres { url, schema, .. } => {
                let store = PgStore::connect_with(
                    url,
                    PgOptions::default().schema(schema.clone()).migrate(false),
                )
                .await
                .unwrap();
                sqlx::query_as(SQL).fetch_all(store.pool()).await.unwrap()
            }
        }
    }

    /// The table's name when it exists in the old schema.
    async fn table(&self, name: &str) -> Option<String> {
        match self {
            Self::Sqlite { old, .. } => {
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name = $1")
                    .bind(name)
                    .fetch_optional(old.pool())
                    .await
                    .unwrap()
            }
            Self::Postgres { old, .. } => sqlx::query_scalar("SELECT to_regclass($1)::text")
                .bind(name)
                .fetch_one(old.pool())
                .await
                .unwrap(),
        }
    }

    /// Closes the old connections and opens the database with the current code, which migrates
    /// it; returns the store and the migration versions applied by then.
    async fn open_current(&self) -> (Box<dyn Store>, Vec<i64>) {
        const VERSIONS: &str = "SELECT version FROM _sqlx_migrations ORDER BY version";
        match self {
            Self::Sqlite { path, old } => {
                old.pool().close().await;
                let store = SqliteStore::open(path).await.unwrap();
                let versions = sqlx::query_scalar(VERSIONS)
                    .fetch_all(store.pool())
                    .await
                    .unwrap();
                (Box::new(store), versions)
            }
            Self::Postgres { url, schema, old } => {
                old.pool().close().await;
                let store = PgStore::connect_with(url, PgOptions::default().schema(schema.clone()))
                    .await
                    .unwrap();
                let versions = sqlx::query_scalar(VERSIONS)
                    .fetch_all(store.pool())
                    .await
                    .unwrap();
                (Box::new(store), versions)
            }
        }
    }

    /// Drops the PostgreSQL schema (the SQLite file stays in the temp directory).
    async fn remove(self) {
        if let Self::Postgres { url, schema, .. } = self {
            let store = PgStore::connect_with(
                &url,
                PgOptions::default().schema(schema.clone()).migrate(false),
            )
            .await
            .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(store.pool())
                .await
                .unwrap();
        }
    }
}

/// Version 1 → current: the tenant stays, the cursor table of version 2 works, and opening again
/// changes nothing.
async fn check_version_1_migrates_forward_keeping_its_rows(old: OldDatabase) {
    old.insert_tenant().await;
    assert_eq!(
        old.table("sync_cursor").await,
        None,
        "version 1 has no cursor table"
    );

    // Opening with the current code applies 0002 to 0005 and keeps the tenant.
    let (store, versions) = old.open_current().await;
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    let tenants = store.tenants().await.unwrap();
    assert_eq!(
        tenants.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
        ["old"]
    );
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
    let (again, versions) = old.open_current().await;
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    assert_eq!(again.tenants().await.unwrap().len(), 1);
    drop(again);
    old.remove().await;
}

#[tokio::test]
async fn sqlite_database_at_version_1_migrates_forward_keeping_its_rows() {
    check_version_1_migrates_forward_keeping_its_rows(OldDatabase::sqlite("mig", 1).await).await;
}

#[tokio::test]
async fn postgres_schema_at_version_1_migrates_forward_keeping_its_rows() {
    if let Some(old) = OldDatabase::postgres("migrate_forward", 1).await {
        check_version_1_migrates_forward_keeping_its_rows(old).await;
    }
}

#[tokio::test]
async fn opening_without_migrating_leaves_the_database_empty() {
    let store = SqliteStore::open_with(
        temp_db_path("nomig"),
        SqliteOptions::default().migrate(false),
    )
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
        deleted_at: None,
    };
    serde_json::to_string(&deal).unwrap()
}

/// Version 2 → 3: the tenant and deal written at version 2 stay, and activities work.
async fn check_version_2_migrates_to_3_keeping_its_rows(old: OldDatabase) {
    let tenant = old.insert_tenant().await;
    old.insert_old_deal(tenant, v2_deal_json()).await;
    assert_eq!(
        old.table("crm_activity").await,
        None,
        "version 2 has no activity table"
    );

    let (store, versions) = old.open_current().await;
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    let tenants = store.tenants().await.unwrap();
    assert_eq!(
        tenants.iter().map(|t| t.id).collect::<Vec<_>>(),
        [TenantId(tenant)]
    );
    version_3_keeps_rows_and_stores_activities(store.as_ref(), TenantId(tenant)).await;
    drop(store);
    old.remove().await;
}

#[tokio::test]
async fn sqlite_database_at_version_2_migrates_to_3_keeping_its_rows() {
    check_version_2_migrates_to_3_keeping_its_rows(OldDatabase::sqlite("mig3", 2).await).await;
}

#[tokio::test]
async fn postgres_schema_at_version_2_migrates_to_3_keeping_its_rows() {
    if let Some(old) = OldDatabase::postgres("migrate_to_3", 2).await {
        check_version_2_migrates_to_3_keeping_its_rows(old).await;
    }
}

/// A deal as versions 2 and 3 wrote it: the JSON of that code, without `deleted_at`.
const V3_DEAL_JSON: &str = r#"{"id":"d1","name":"Old deal","pipeline":null,"stage":null,"responsible":null,"price":null,"contacts":["c1"],"phones":[],"loss_reason":null,"created_at":"2026-03-01T00:00:00Z","updated_at":"2026-03-02T00:00:00Z","closed_at":null,"custom_fields":null,"synthetic":false}"#;

/// Version 3 → 4: the deal written at version 3 reads as live, is the same record when synced
/// again (a live deal's JSON did not change), and a deletion marks it in its JSON and in the new
/// `deleted_at` column.
async fn check_version_3_migrates_to_4_keeping_its_rows(old: OldDatabase) {
    let tenant = old.insert_tenant().await;
    old.insert_old_deal(tenant, V3_DEAL_JSON.to_owned()).await;
    let (store, versions) = old.open_current().await;
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    let t = TenantId(tenant);
    let deals = store.deals(t).await.unwrap();
    assert_eq!(deals.len(), 1);
    assert_eq!(deals[0].deleted_at, None, "a deal of version 3 is live");
    assert_eq!(serde_json::to_string(&deals[0]).unwrap(), V3_DEAL_JSON);
    let again = store
        .apply(
            t,
            "amocrm",
            &SyncBatch {
                deals: deals.clone(),
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((again.updated, again.unchanged), (0, 1), "{again:?}");

    let at: DateTime<Utc> = "2026-03-05T00:00:00Z".parse().unwrap();
    let r = store
        .apply(
            t,
            "amocrm",
            &SyncBatch {
                deleted_deals: vec![DeletedDeal::new("d1", at)],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.updated, 1, "{r:?}");
    let marked = store.deals(t).await.unwrap();
    assert_eq!(
        (
            marked[0].deleted_at,
            marked[0].updated_at,
            marked[0].name.as_str()
        ),
        (Some(at), at, "Old deal")
    );
    drop(store);
    assert_eq!(
        old.deal_deleted_at().await,
        vec![("d1".to_owned(), Some(at))]
    );
    old.remove().await;
}

#[tokio::test]
async fn sqlite_database_at_version_3_migrates_to_4_keeping_its_rows() {
    check_version_3_migrates_to_4_keeping_its_rows(OldDatabase::sqlite("mig4", 3).await).await;
}

#[tokio::test]
async fn postgres_schema_at_version_3_migrates_to_4_keeping_its_rows() {
    if let Some(old) = OldDatabase::postgres("migrate_to_4", 3).await {
        check_version_3_migrates_to_4_keeping_its_rows(old).await;
    }
}

/// Version 4 → 5: the deal written at version 4 stays, and the tenant's phone book starts empty
/// and keeps what is saved, after opening again too.
async fn check_version_4_migrates_to_5_keeping_its_rows(old: OldDatabase) {
    let tenant = old.insert_tenant().await;
    old.insert_old_deal(tenant, V3_DEAL_JSON.to_owned()).await;
    let (store, versions) = old.open_current().await;
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    let t = TenantId(tenant);
    assert_eq!(store.deals(t).await.unwrap().len(), 1, "the deal stays");
    assert_eq!(store.phone_spellings(t, "RU").await.unwrap(), vec![]);
    let entries = vec![
        PhoneSpelling {
            spelling: "8 916 123 45 67".into(),
            e164: Some("+79161234567".into()),
        },
        PhoneSpelling {
            spelling: "12-34".into(),
            e164: None,
        },
    ];
    assert_eq!(
        store.save_phone_spellings(t, "RU", &entries).await.unwrap(),
        2
    );
    drop(store);
    let (store, versions) = old.open_current().await;
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    let mut stored = store.phone_spellings(t, "RU").await.unwrap();
    stored.sort_by(|a, b| a.spelling.cmp(&b.spelling));
    assert_eq!(stored, vec![entries[1].clone(), entries[0].clone()]);
    drop(store);
    old.remove().await;
}

#[tokio::test]
async fn sqlite_database_at_version_4_migrates_to_5_keeping_its_rows() {
    check_version_4_migrates_to_5_keeping_its_rows(OldDatabase::sqlite("mig5", 4).await).await;
}

#[tokio::test]
async fn postgres_schema_at_version_4_migrates_to_5_keeping_its_rows() {
    if let Some(old) = OldDatabase::postgres("migrate_to_5", 4).await {
        check_version_4_migrates_to_5_keeping_its_rows(old).await;
    }
}
