//! [`SqliteStore`]: the embedded backend.
//!
//! WAL journal, `busy_timeout` 5 s, foreign keys on; one writer connection (every write
//! transaction starts with `BEGIN IMMEDIATE`) plus a pool of readers. Instants are stored as
//! Unix milliseconds, JSON as text.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::TimeZone as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, SqlitePool};
use synkro_core::error::StoreError;
use synkro_core::model::{TenantId, Timestamp};

use crate::error::{corrupt, db};
use crate::rows::{Row, Table};

// The store traits over SQL: one source that each backend compiles against its own `Db`, `ts`,
// `js`, … below.
#[allow(clippy::duplicate_mod, reason = "compiled once per backend on purpose")]
#[path = "../common/mod.rs"]
mod common;

/// The migrations of the SQLite schema (`migrations/sqlite`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const BACKEND: &str = "sqlite";
type Db = sqlx::Sqlite;
type ThisStore = SqliteStore;
type TsCol = i64;
/// Rows per multi-row statement, at most: 7 values a row, under SQLite's 32,766 variables.
const ROWS_PER_STATEMENT: usize = 4000;
/// SQLite's limit on bound variables per statement.
const MAX_VARIABLES: usize = 32_766;

/// `IN (list)` for a list of strings bound (as [`text_list`]) at parameter `$param`.
fn any_text(param: usize) -> String {
    format!("IN (SELECT value FROM json_each(${param}))")
}

fn ts(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

fn un_ts(ms: i64) -> Timestamp {
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
}

fn js(v: serde_json::Value) -> String {
    v.to_string()
}

fn un_js(row: &sqlx::sqlite::SqliteRow, col: &str) -> Result<serde_json::Value, StoreError> {
    use sqlx::Row as _;
    let text: String = row.try_get(col).map_err(db("decode row"))?;
    serde_json::from_str(&text).map_err(|e| corrupt(format!("{col}: {e}")))
}

fn text_list(ids: Vec<String>) -> String {
    serde_json::Value::from(ids).to_string()
}

/// Options for [`SqliteStore::open_with`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// Apply pending migrations on open (default on).
    pub migrate: bool,
    /// Reader connections (default 4).
    pub readers: u32,
    /// How long a writer waits for the database lock (default 5 s).
    pub busy_timeout: Duration,
}

impl SqliteOptions {
    /// These options with or without migrating on open.
    #[must_use]
    pub fn migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// These options with another number of reader connections.
    #[must_use]
    pub fn readers(mut self, readers: u32) -> Self {
        self.readers = readers;
        self
    }
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            migrate: true,
            readers: 4,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The SQLite store: a file (or memory) database with one writer and a reader pool.
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use synkro_store::SqliteStore;
/// use synkro_core::store::Store;
/// let store = SqliteStore::open_memory().await?;
/// assert_eq!(store.backend(), "sqlite");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and applies pending migrations.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the file cannot be opened; [`StoreError::Migration`]
    /// when a migration fails.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// [`SqliteStore::open`] with options (e.g. without migrating).
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub async fn open_with(
        path: impl AsRef<Path>,
        opts: SqliteOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let base = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(opts.busy_timeout)
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(base.clone())
            .await
            .map_err(db("open sqlite writer"))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(opts.readers.max(1))
            .connect_with(base.read_only(true))
            .await
            .map_err(db("open sqlite readers"))?;
        let store = Self {
            writer,
            reader,
            path: Some(path),
        };
        if opts.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// A fresh database file under the system temp directory (`synkro-<uuid>.db`), migrated.
    /// The file stays after the store is dropped; [`SqliteStore::path`] says where it is.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub async fn open_temp() -> Result<Self, StoreError> {
        let path = std::env::temp_dir().join(format!("synkro-{}.db", uuid::Uuid::new_v4()));
        Self::open(path).await
    }

    /// A private in-memory database (one connection), migrated. Nothing survives the store.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub async fn open_memory() -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(db("open sqlite memory"))?
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await
            .map_err(db("open sqlite memory"))?;
        Self::from_pool(pool, true).await
    }

    /// Opens by URL: `sqlite::memory:`, `sqlite://path/to/file.db` or `sqlite:file.db`.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let rest = rest.split('?').next().unwrap_or(rest);
        if rest == ":memory:" || rest.is_empty() {
            return Self::open_memory().await;
        }
        Self::open(rest).await
    }

    /// A store over an existing pool, used for reads and writes alike (no separate readers).
    ///
    /// # Errors
    /// [`StoreError::Migration`] when `migrate` is set and a migration fails.
    pub async fn from_pool(pool: SqlitePool, migrate: bool) -> Result<Self, StoreError> {
        let store = Self {
            writer: pool.clone(),
            reader: pool,
            path: None,
        };
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
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Migration {
                source: Box::new(e),
            })
    }

    /// The database file, for file databases.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The writer pool (one connection), e.g. for ad-hoc SQL in tests and tools.
    #[must_use]
    pub fn pool(&self) -> &SqlitePool {
        &self.writer
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db("begin write"))
    }
}

/// Multi-row upserts, [`ROWS_PER_STATEMENT`] rows at a time, inside the caller's transaction.
/// Returns (id, revision) of every inserted (revision 1) or updated row.
async fn upsert_rows(
    tx: &mut sqlx::Transaction<'static, Db>,
    tenant: TenantId,
    source: &str,
    table: &Table,
    rows: &[Row],
) -> Result<Vec<(String, i32)>, StoreError> {
    use sqlx::Row as _;
    let mut changed = Vec::new();
    let extra: Vec<&str> = [
        table.label_col,
        table.parent_col,
        table.link_col,
        table.at_col,
    ]
    .into_iter()
    .flatten()
    .collect();
    // Five fixed values a row plus the table's extra columns, under SQLite's variable limit.
    let per_statement = ROWS_PER_STATEMENT.min(MAX_VARIABLES / (5 + extra.len()));
    for chunk in rows.chunks(per_statement) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(format!(
            "INSERT INTO {} AS t (tenant_id, source, external_id, source_updated_at, data{}) ",
            table.name,
            extra.iter().map(|c| format!(", {c}")).collect::<String>()
        ));
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(tenant.0)
                .push_bind(source.to_owned())
                .push_bind(r.id.clone())
                .push_bind(r.updated.map(ts))
                .push_bind(r.data.clone());
            if table.label_col.is_some() {
                b.push_bind(r.label.clone());
            }
            if table.parent_col.is_some() {
                b.push_bind(r.parent.clone());
            }
            if table.link_col.is_some() {
                b.push_bind(r.link.clone());
            }
            if table.at_col.is_some() {
                b.push_bind(r.at.map(ts));
            }
        });
        qb.push(format!(
            " ON CONFLICT (tenant_id, source, external_id) DO UPDATE SET \
             source_updated_at = excluded.source_updated_at, data = excluded.data, \
             revision = t.revision + 1{} \
             WHERE t.data <> excluded.data AND (excluded.source_updated_at IS NULL \
             OR t.source_updated_at IS NULL OR excluded.source_updated_at >= t.source_updated_at){} \
             RETURNING external_id, revision",
            extra
                .iter()
                .map(|c| format!(", {c} = excluded.{c}"))
                .collect::<String>(),
            table.keeps_deletion_sql(),
        ));
        let out = qb.build().fetch_all(&mut **tx).await.map_err(db("apply"))?;
        for r in out {
            changed.push((
                r.try_get("external_id").map_err(db("apply"))?,
                r.try_get("revision").map_err(db("apply"))?,
            ));
        }
    }
    Ok(changed)
}
