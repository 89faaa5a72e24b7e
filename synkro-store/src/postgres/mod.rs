//! [`PgStore`]: the distributed backend.
//!
//! `timestamptz` instants, `jsonb` documents, `bigint` identity keys. Bulk writes send each table's
//! rows as arrays and upsert them with one `INSERT … SELECT FROM UNNEST(…) ON CONFLICT` statement
//! per chunk.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor as _, PgPool};
use synkro_core::error::{ConfigError, StoreError};
use synkro_core::model::{TenantId, Timestamp};

use crate::error::db;
use crate::rows::{Row, Table};

// The store traits over SQL: one source that each backend compiles against its own `Db`, `ts`,
// `js`, … below.
#[allow(clippy::duplicate_mod, reason = "compiled once per backend on purpose")]
#[path = "../common/mod.rs"]
mod common;

/// The migrations of the PostgreSQL schema (`migrations/postgres`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const BACKEND: &str = "postgres";
type Db = sqlx::Postgres;
type ThisStore = PgStore;
type TsCol = chrono::DateTime<chrono::Utc>;
/// Rows per `UNNEST` statement.
const ROWS_PER_STATEMENT: usize = 25_000;

/// `= ANY(list)` for a list of strings bound (as [`text_list`]) at parameter `$param`.
fn any_text(param: usize) -> String {
    format!("= ANY(${param})")
}

fn ts(t: Timestamp) -> TsCol {
    t
}

fn un_ts(t: TsCol) -> Timestamp {
    t
}

fn js(v: serde_json::Value) -> sqlx::types::Json<serde_json::Value> {
    sqlx::types::Json(v)
}

fn un_js(row: &sqlx::postgres::PgRow, col: &str) -> Result<serde_json::Value, StoreError> {
    use sqlx::Row as _;
    let v: sqlx::types::Json<serde_json::Value> = row.try_get(col).map_err(db("decode row"))?;
    Ok(v.0)
}

fn text_list(ids: Vec<String>) -> Vec<String> {
    ids
}

/// Options for [`PgStore::connect_with`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PgOptions {
    /// Apply pending migrations on connect (default on).
    pub migrate: bool,
    /// Pool size (default 10).
    pub max_connections: u32,
    /// A schema to use instead of `public` (created if missing): tenants of one database, or one
    /// schema per test.
    pub schema: Option<String>,
    /// How long to wait for a pooled connection (default 30 s).
    pub acquire_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            migrate: true,
            max_connections: 10,
            schema: None,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

impl PgOptions {
    /// These options with a schema.
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// These options with another pool size.
    #[must_use]
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }

    /// These options with or without migrating on connect.
    #[must_use]
    pub fn migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }
}

/// The PostgreSQL store.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use synkro_store::PgStore;
/// let store = PgStore::connect("postgres://postgres@127.0.0.1:5432/synkro").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and applies pending migrations.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the server cannot be reached; [`StoreError::Migration`]
    /// when a migration fails.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PgOptions::default()).await
    }

    /// [`PgStore::connect`] with options.
    ///
    /// # Errors
    /// As [`PgStore::connect`]; [`StoreError::Other`] wrapping a [`ConfigError`] for a schema name
    /// that is not a plain identifier.
    pub async fn connect_with(url: &str, opts: PgOptions) -> Result<Self, StoreError> {
        let connect: PgConnectOptions = url.parse().map_err(|e| StoreError::Other {
            operation: "connect",
            source: Box::new(e),
        })?;
        let mut pool_opts = PgPoolOptions::new()
            .max_connections(opts.max_connections)
            .acquire_timeout(opts.acquire_timeout);
        if let Some(schema) = &opts.schema {
            if schema.is_empty()
                || !schema
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(StoreError::Other {
                    operation: "connect",
                    source: Box::new(ConfigError::invalid(
                        "schema",
                        format!("`{schema}` must be lower-case letters, digits and `_`"),
                    )),
                });
            }
            let bootstrap = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(opts.acquire_timeout)
                .connect_with(connect.clone())
                .await
                .map_err(db("connect"))?;
            bootstrap
                .execute(sqlx::AssertSqlSafe(format!(
                    "CREATE SCHEMA IF NOT EXISTS {schema}"
                )))
                .await
                .map_err(db("create schema"))?;
            bootstrap.close().await;
            let set = format!("SET search_path TO {schema}");
            pool_opts = pool_opts.after_connect(move |conn, _meta| {
                let set = set.clone();
                Box::pin(async move {
                    conn.execute(sqlx::AssertSqlSafe(set)).await?;
                    Ok(())
                })
            });
        }
        let pool = pool_opts
            .connect_with(connect)
            .await
            .map_err(db("connect"))?;
        Self::from_pool(pool, opts.migrate).await
    }

    /// A store over an existing pool.
    ///
    /// # Errors
    /// [`StoreError::Migration`] when `migrate` is set and a migration fails.
    pub async fn from_pool(pool: PgPool, migrate: bool) -> Result<Self, StoreError> {
        let store = Self { pool };
        if migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies pending migrations (forward only).
    ///
    /// # Errors
    /// [`StoreError::Migration`] naming the failure.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration {
                source: Box::new(e),
            })
    }

    /// The pool, e.g. for reading the client data layer or ad-hoc SQL.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
        self.pool.begin().await.map_err(db("begin write"))
    }
}

/// `INSERT … SELECT FROM UNNEST(arrays) ON CONFLICT DO UPDATE … WHERE newer`, chunked, inside the
/// caller's transaction. Returns (id, revision) of every inserted (revision 1) or updated row.
async fn upsert_rows(
    tx: &mut sqlx::Transaction<'static, Db>,
    tenant: TenantId,
    source: &str,
    table: &Table,
    rows: &[Row],
) -> Result<Vec<(String, i32)>, StoreError> {
    use sqlx::Row as _;
    let mut cols = String::new();
    let mut sel = String::new();
    let mut set = String::new();
    let mut arrays = String::new();
    let mut n = 5;
    for (col, ty) in [
        (table.label_col, "text"),
        (table.parent_col, "text"),
        (table.link_col, "text"),
        (table.at_col, "timestamptz"),
    ] {
        if let Some(c) = col {
            n += 1;
            cols.push_str(&format!(", {c}"));
            sel.push_str(&format!(", u.{c}"));
            set.push_str(&format!(", {c} = excluded.{c}"));
            arrays.push_str(&format!(", ${n}::{ty}[]"));
        }
    }
    let names = [
        table.label_col,
        table.parent_col,
        table.link_col,
        table.at_col,
    ]
    .into_iter()
    .flatten()
    .map(|c| format!(", {c}"))
    .collect::<String>();
    let sql = format!(
        "INSERT INTO {t} AS t (tenant_id, source, external_id, source_updated_at, data{cols}) \
         SELECT $1, $2, u.external_id, u.source_updated_at, u.data::jsonb{sel} \
         FROM UNNEST($3::text[], $4::timestamptz[], $5::text[]{arrays}) \
         AS u(external_id, source_updated_at, data{names}) \
         ON CONFLICT (tenant_id, source, external_id) DO UPDATE SET \
         source_updated_at = excluded.source_updated_at, data = excluded.data, \
         revision = t.revision + 1{set} \
         WHERE t.data <> excluded.data AND (excluded.source_updated_at IS NULL \
         OR t.source_updated_at IS NULL OR excluded.source_updated_at >= t.source_updated_at){keep} \
         RETURNING external_id, revision",
        t = table.name,
        keep = table.keeps_deletion_sql(),
    );
    let mut changed = Vec::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
        let updated: Vec<Option<TsCol>> = chunk.iter().map(|r| r.updated).collect();
        let data: Vec<&str> = chunk.iter().map(|r| r.data.as_str()).collect();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(tenant.0)
            .bind(source)
            .bind(ids)
            .bind(updated)
            .bind(data);
        if table.label_col.is_some() {
            q = q.bind(chunk.iter().map(|r| r.label.clone()).collect::<Vec<_>>());
        }
        if table.parent_col.is_some() {
            q = q.bind(chunk.iter().map(|r| r.parent.clone()).collect::<Vec<_>>());
        }
        if table.link_col.is_some() {
            q = q.bind(chunk.iter().map(|r| r.link.clone()).collect::<Vec<_>>());
        }
        if table.at_col.is_some() {
            q = q.bind(chunk.iter().map(|r| r.at).collect::<Vec<_>>());
        }
        for r in q.fetch_all(&mut **tx).await.map_err(db("apply"))? {
            changed.push((
                r.try_get("external_id").map_err(db("apply"))?,
                r.try_get("revision").map_err(db("apply"))?,
            ));
        }
    }
    Ok(changed)
}
