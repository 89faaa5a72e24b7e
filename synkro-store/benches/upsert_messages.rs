//! Bulk upsert throughput: 1,000,000 generated messages through `DataStore::apply`, into SQLite
//! and PostgreSQL, next to a raw `COPY` of the same rows into PostgreSQL measured in the same run.
//!
//! Run with:
//! `SYNKRO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p synkro-store --bench upsert_messages`
//!
//! `SYNKRO_BENCH_MESSAGES` changes the count (default 1,000,000); `SYNKRO_BENCH_BATCH` the rows
//! per `apply` call (default 50,000). Without `SYNKRO_TEST_POSTGRES_URL` only SQLite runs.

use std::time::Instant;

use sqlx::postgres::PgPoolCopyExt as _;
use synkro_core::model::{Message, TenantRuntimeConfig};
use synkro_core::store::{Store, SyncBatch};
use synkro_store::{PgOptions, PgStore, SqliteStore};
use synkro_testkit::{Dataset, DatasetSpec};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set size of this process so far, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn current_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

async fn upsert_all(store: &dyn Store, batches: &[SyncBatch]) -> (f64, u64) {
    let tenant =
        synkro_testkit::tenant::create_tenant(store, "bench", &TenantRuntimeConfig::default())
            .await
            .expect("tenant");
    let start = Instant::now();
    let mut inserted = 0;
    for b in batches {
        inserted += store
            .apply(tenant.id, "radist", b)
            .await
            .expect("apply")
            .inserted;
    }
    let secs = start.elapsed().as_secs_f64();
    // A second pass over the same rows: every row is compared and left unchanged.
    let again = Instant::now();
    let mut unchanged = 0;
    for b in batches {
        unchanged += store
            .apply(tenant.id, "radist", b)
            .await
            .expect("apply")
            .unchanged;
    }
    let again_secs = again.elapsed().as_secs_f64();
    println!(
        "    re-apply (no-op): {:>10.0} rows/s ({unchanged} unchanged in {again_secs:.2} s)",
        unchanged as f64 / again_secs
    );
    assert_eq!(unchanged, inserted);
    (secs, inserted)
}

fn csv_field(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// `COPY … FROM STDIN (FORMAT csv)` of the same rows (same columns, same JSON) into a copy of the
/// `message` table: the floor any upsert is measured against.
async fn raw_copy(pg: &PgStore, batches: &[SyncBatch]) -> f64 {
    sqlx::query("CREATE TABLE message_copy_baseline (LIKE message INCLUDING ALL)")
        .execute(pg.pool())
        .await
        .expect("baseline table");
    let start = Instant::now();
    for chunk in batches.iter().map(|b| &b.messages) {
        let mut buf = String::with_capacity(chunk.len() * 700);
        for m in chunk {
            let data = serde_json::to_string(m).expect("json");
            buf.push_str("1,radist,");
            csv_field(&mut buf, m.id.as_str());
            buf.push(',');
            buf.push_str(&m.updated_at().to_rfc3339());
            buf.push_str(",1,");
            csv_field(&mut buf, &data);
            buf.push(',');
            csv_field(&mut buf, m.chat.as_str());
            buf.push(',');
            buf.push_str(&m.created_at.to_rfc3339());
            buf.push('\n');
        }
        let mut copy = pg
            .pool()
            .copy_in_raw(
                "COPY message_copy_baseline (tenant_id, source, external_id, source_updated_at, \
                 revision, data, chat_id, created_at) FROM STDIN (FORMAT csv)",
            )
            .await
            .expect("copy in");
        copy.send(buf.into_bytes()).await.expect("copy send");
        copy.finish().await.expect("copy finish");
    }
    start.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = env_usize("SYNKRO_BENCH_MESSAGES", 1_000_000);
    let batch = env_usize("SYNKRO_BENCH_BATCH", 50_000);
    let end = "2026-03-11T00:00:00Z".parse().expect("instant");
    let t = Instant::now();
    let data = Dataset::generate(&DatasetSpec::with_messages(42, end, n));
    let total = data.messages.len();
    let mut messages = data.messages.into_iter().peekable();
    let mut batches: Vec<SyncBatch> = Vec::new();
    while messages.peek().is_some() {
        batches.push(SyncBatch {
            messages: messages.by_ref().take(batch).collect::<Vec<Message>>(),
            ..SyncBatch::default()
        });
    }
    println!(
        "generated {total} messages in {:.1} s; RSS {:.0} MiB (peak {:.0} MiB)",
        t.elapsed().as_secs_f64(),
        current_rss_mib(),
        peak_rss_mib()
    );
    println!("batch: {batch} messages per apply()");

    let sqlite = SqliteStore::open_temp().await.expect("sqlite");
    let before = current_rss_mib();
    let (secs, rows) = upsert_all(&sqlite, &batches).await;
    println!(
        "sqlite   upsert: {:>10.0} rows/s ({rows} rows in {secs:.2} s); RSS {:.0} MiB (was {before:.0}), peak {:.0} MiB",
        rows as f64 / secs,
        current_rss_mib(),
        peak_rss_mib()
    );
    if let Some(path) = sqlite.path().map(std::path::Path::to_path_buf) {
        sqlite.pool().close().await;
        drop(sqlite);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    let Ok(url) = std::env::var("SYNKRO_TEST_POSTGRES_URL") else {
        println!("postgres: skipped (SYNKRO_TEST_POSTGRES_URL not set)");
        return;
    };
    let schema = format!("bench_{}", std::process::id());
    let pg = PgStore::connect_with(&url, PgOptions::default().schema(schema.clone()))
        .await
        .expect("postgres");
    let before = current_rss_mib();
    let (secs, rows) = upsert_all(&pg, &batches).await;
    let upsert_rate = rows as f64 / secs;
    println!(
        "postgres upsert: {upsert_rate:>10.0} rows/s ({rows} rows in {secs:.2} s); RSS {:.0} MiB (was {before:.0}), peak {:.0} MiB",
        current_rss_mib(),
        peak_rss_mib()
    );
    let copy_secs = raw_copy(&pg, &batches).await;
    let copy_rate = total as f64 / copy_secs;
    println!("postgres raw COPY: {copy_rate:>8.0} rows/s ({total} rows in {copy_secs:.2} s)");
    println!(
        "postgres upsert / raw COPY = {:.0}% (target >= 50%)",
        100.0 * upsert_rate / copy_rate
    );
    println!("peak RSS of the whole run: {:.0} MiB", peak_rss_mib());
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(pg.pool())
        .await
        .expect("drop bench schema");
}
