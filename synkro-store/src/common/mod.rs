//! The store traits over SQL, shared by both backends: compiled once inside `sqlite` and once
//! inside `postgres`, whose module provides `Db`, `ThisStore`, `BACKEND`, `TsCol`, `ts()`/`un_ts()`
//! (instants), `js()`/`un_js()` (JSON), `self.reader()`, `self.begin_write()`, `upsert_rows()`,
//! `any_text(n)` (the `= ANY($n)` fragment for a bound list of strings) and `text_list()`.
//!
//! Every statement names the tenant; every read filters on it.
//!
//! - [`reads`]: the read helpers every table shares (tenant-scoped rows and `data` documents);
//! - [`tenants`], [`data`] (with [`children`] and [`deleted`]), [`runs`], [`reports`], [`audit`]:
//!   one store trait each;
//! - [`client_data`]: the client data layer's tables.

mod audit;
mod children;
mod client_data;
mod data;
mod deleted;
mod reads;
mod reports;
mod runs;
mod tenants;

use async_trait::async_trait;
use sqlx::Row as _;
use synkro_core::error::StoreError;
use synkro_core::model::{TenantId, Timestamp};
use synkro_core::store::Store;

use super::{
    BACKEND, Db, ThisStore, TsCol, any_text, js, text_list, ts, un_js, un_ts, upsert_rows,
};
use crate::error::{corrupt, db, not_found};

type DbRow = <Db as sqlx::Database>::Row;
type Tx = sqlx::Transaction<'static, Db>;
/// A statement with its parameters bound.
type Query = sqlx::query::Query<'static, Db, <Db as sqlx::Database>::Arguments>;

fn tz(what: &str, s: &str) -> Result<chrono_tz::Tz, StoreError> {
    s.parse()
        .map_err(|_| corrupt(format!("{what}: unknown time zone `{s}`")))
}

fn get<'r, T>(row: &'r DbRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(col).map_err(db("decode row"))
}

fn opt_ts(row: &DbRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(get::<Option<TsCol>>(row, col)?.map(un_ts))
}

fn req_ts(row: &DbRow, col: &str) -> Result<Timestamp, StoreError> {
    Ok(un_ts(get::<TsCol>(row, col)?))
}

fn u8_of(v: i32) -> u8 {
    u8::try_from(v.clamp(0, 100)).unwrap_or(0)
}

async fn tenant_exists(tx: &mut Tx, tenant: TenantId) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM tenant WHERE id = $1")
        .bind(tenant.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db("tenant lookup"))?;
    found
        .map(|_| ())
        .ok_or_else(|| not_found(format!("tenant {tenant}")))
}

/// Runs a write statement inside `tx`; `op` names it in errors. Returns the rows it changed.
async fn exec(tx: &mut Tx, op: &'static str, q: Query) -> Result<u64, StoreError> {
    Ok(q.execute(&mut **tx).await.map_err(db(op))?.rows_affected())
}

#[async_trait]
impl Store for ThisStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }
}
