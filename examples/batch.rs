//! One report run for one tenant, then exit.
//!
//! Run with: `cargo run --example batch -- --demo`
//!
//! - `--demo` generates a tenant with the test kit, serves it through in-memory CRM and messenger
//!   fakes, stores everything in a fresh SQLite file under the system temp dir, and prints the run's
//!   step log and the report. No credentials and no setup. Without `--from/--to` it reports the
//!   last closed business day that is a working day (Monday to Friday in the tenant's zone): the
//!   generated tenant is a B2B team whose managers answer on working days, so a Saturday or a
//!   Sunday would show an almost empty report.
//! - `--config FILE` (TOML) runs a real tenant: amoCRM and Radist credentials, the tenant's runtime
//!   settings and the store URL. Every credential can come from the environment instead
//!   (`SYNKRO_AMOCRM_BASE_URL`, `SYNKRO_AMOCRM_TOKEN` or the OAuth variables, `SYNKRO_RADIST_API_KEY`,
//!   `SYNKRO_RADIST_COMPANY_ID`, …). The store defaults to `synkro.sqlite` under the system temp
//!   dir, so a later run can fall back on what an earlier one stored.
//!
//! ```toml
//! [tenant]
//! name = "Acme"
//! slug = "acme"
//!
//! [runtime]            # any TenantRuntimeConfig key; the rest take their defaults
//! mode = "amocrm_radist"
//! timezone = "Europe/Moscow"
//!
//! [amocrm]
//! base_url = "https://acme.amocrm.ru"
//! token = "…"
//!
//! [radist]
//! api_key = "…"
//! company_id = 12345
//!
//! [store]
//! url = "sqlite:///var/lib/synkro/synkro.sqlite"   # or postgres://…
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Parser;
use serde::Deserialize;
use synkro::analytics::MetricsSection;
use synkro::error::chain;
use synkro::model::{
    EventLevel, RunState, Tenant, TenantRuntimeConfig, TenantStatus, Trigger, Window,
};
use synkro::pipeline::{Adapters, Engine, TriggerRequest};
use synkro::report::{to_html, to_json};
use synkro::schedule;
use synkro::source::{CrmSource, MessengerSource};
use synkro::store::{NewTenant, Store};
use synkro_amocrm::{AmoCrmClient, AmoCrmConfig};
use synkro_radist::{RadistClient, RadistConfig};
use synkro_testkit::{Dataset, DatasetSpec, FakeCrm, FakeMessenger};
use tokio_util::sync::CancellationToken;

/// Run one Synkro report.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Use a generated tenant and in-memory fake sources (no credentials needed).
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// A TOML file with the tenant, its sources and the store (see the example's docs).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Pipeline mode (overrides the config): amocrm_radist, radist_only or amocrm_only.
    #[arg(long)]
    mode: Option<String>,
    /// Start of a forced window (RFC 3339, e.g. 2026-11-26T00:00:00+03:00).
    #[arg(long, requires = "to")]
    from: Option<DateTime<Utc>>,
    /// End of a forced window (RFC 3339).
    #[arg(long, requires = "from")]
    to: Option<DateTime<Utc>>,
    /// The knowledge cut-off (RFC 3339, not in the future): what happened after it is ignored, so
    /// a re-run with the same value gives the same numbers. Default: the run's start, so replies
    /// after the window to questions asked in it count.
    #[arg(long)]
    as_of: Option<DateTime<Utc>>,
    /// The tenant's IANA time zone (overrides the config).
    #[arg(long)]
    timezone: Option<chrono_tz::Tz>,
    /// Store URL (`sqlite://PATH`, `postgres://…`); overrides the config.
    #[arg(long)]
    store: Option<String>,
    /// Seed of the generated demo data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Messages in the generated demo data.
    #[arg(long, default_value_t = 2000)]
    messages: usize,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// Write the report as a self-contained HTML page to this file.
    #[arg(long)]
    html_out: Option<PathBuf>,
}

/// The `--config` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    tenant: TenantFile,
    #[serde(default)]
    runtime: TenantRuntimeConfig,
    amocrm: Option<AmoCrmConfig>,
    radist: Option<RadistConfig>,
    store: Option<StoreFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct TenantFile {
    name: String,
    slug: String,
}

impl Default for TenantFile {
    fn default() -> Self {
        Self {
            name: "Default tenant".into(),
            slug: "default".into(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    url: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    match run(Args::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<bool, String> {
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            toml::from_str::<FileConfig>(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None if args.demo => FileConfig::default(),
        None => {
            return Err(
                "give --demo for a generated tenant, or --config FILE for a real one \
                        (see `cargo run --example batch -- --help`)"
                    .into(),
            );
        }
    };
    let mut cfg = file.runtime.clone();
    if let Some(mode) = &args.mode {
        cfg.mode.clone_from(mode);
    }
    if let Some(tz) = args.timezone {
        cfg.timezone = tz;
    }
    cfg.validate()
        .map_err(|e| format!("invalid configuration: {e}"))?;

    let store = open_store(&args, &file).await?;
    let now = Utc::now();
    if args.demo {
        // The demo's working day may lie behind a weekend: up to four days back.
        cfg.max_force_lookback_days = cfg.max_force_lookback_days.max(7);
    }
    let (trigger, window) = match (args.from, args.to) {
        (Some(start), Some(end)) => (Trigger::Forced, Some(Window { start, end })),
        _ if args.demo => (Trigger::Forced, Some(demo_window(&cfg, now))),
        _ => (Trigger::Manual, None),
    };
    let (tenant, adapters) = if args.demo {
        demo(&args, &cfg, store.as_ref(), now, window).await?
    } else {
        real(&file, &cfg, store.as_ref()).await?
    };

    let engine = Engine::builder(store.clone())
        .section(Arc::new(MetricsSection::new()))
        .build();
    let req = TriggerRequest {
        tenant: tenant.id,
        trigger,
        window,
        requested_by: None,
        as_of: args.as_of,
    };
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let result = engine
        .run(&req, &adapters, cancel)
        .await
        .map_err(|e| chain(&e))?;

    println!(
        "run {} ({}), window {} – {}, store {}",
        result.run.id,
        result.run.mode,
        result.run.window.start,
        result.run.window.end,
        store.backend()
    );
    for ev in store
        .run_events(tenant.id, result.run.id)
        .await
        .map_err(|e| chain(&e))?
    {
        let level = match ev.event.level {
            EventLevel::Info => "info ",
            EventLevel::Warn => "WARN ",
            _ => "ERROR",
        };
        let progress = ev
            .event
            .progress
            .map_or_else(|| "    ".into(), |p| format!("{p:>3}%"));
        println!(
            "  {} {level} {progress} {:<28} {}",
            ev.at.format("%H:%M:%S%.3f"),
            ev.event.step,
            ev.event.message
        );
    }
    println!();
    let (RunState::Succeeded, Some(report)) = (&result.run.state, &result.report) else {
        println!(
            "run ended {:?}: {}",
            result.run.state,
            result.run.error.as_deref().unwrap_or("no report")
        );
        return Ok(false);
    };
    println!("{}", report.summary_text);
    if let Some(path) = &args.json_out {
        let json = to_json(&report.document).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("JSON report written to {}", path.display());
    }
    if let Some(path) = &args.html_out {
        std::fs::write(path, to_html(&report.document))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("HTML report written to {}", path.display());
    }
    Ok(true)
}

async fn open_store(args: &Args, file: &FileConfig) -> Result<Arc<dyn Store>, String> {
    let url = args
        .store
        .clone()
        .or_else(|| file.store.as_ref().map(|s| s.url.clone()));
    let store: Arc<dyn Store> = match url {
        Some(url) => synkro_store::connect(&url)
            .await
            .map_err(|e| format!("store {url}: {}", chain(&e)))?,
        // A fresh file per demo run; a persistent one for real tenants.
        None if args.demo => Arc::new(
            synkro_store::SqliteStore::open_temp()
                .await
                .map_err(|e| chain(&e))?,
        ),
        None => {
            let path = std::env::temp_dir().join("synkro.sqlite");
            Arc::new(
                synkro_store::SqliteStore::open(&path)
                    .await
                    .map_err(|e| format!("{}: {}", path.display(), chain(&e)))?,
            )
        }
    };
    Ok(store)
}

async fn tenant_for(
    store: &dyn Store,
    name: &str,
    slug: &str,
    cfg: &TenantRuntimeConfig,
) -> Result<Tenant, String> {
    let existing = store
        .tenants()
        .await
        .map_err(|e| chain(&e))?
        .into_iter()
        .find(|t| t.slug == slug);
    let tenant = match existing {
        Some(t) => t,
        None => store
            .create_tenant(&NewTenant {
                name: name.to_owned(),
                slug: slug.to_owned(),
                status: TenantStatus::Active,
                timezone: cfg.timezone,
            })
            .await
            .map_err(|e| chain(&e))?,
    };
    store
        .put_runtime_config(tenant.id, cfg)
        .await
        .map_err(|e| chain(&e))?;
    Ok(tenant)
}

/// The demo's window: the last closed business day at `now` that is mostly a working day (its
/// middle falls on Monday to Friday in the tenant's zone; with the default start at 22:01 the
/// business day of the 4th runs from the 4th at 22:01 to the 5th at 22:01).
fn demo_window(cfg: &TenantRuntimeConfig, now: DateTime<Utc>) -> Window {
    use chrono::{Datelike, Weekday};
    let (tz, start) = (cfg.timezone, cfg.business_day_start);
    let (mut day, mut window) = schedule::last_closed_business_day(tz, start, now);
    for _ in 0..7 {
        let middle = window.start + (window.end - window.start) / 2;
        if !matches!(
            middle.with_timezone(&tz).weekday(),
            Weekday::Sat | Weekday::Sun
        ) {
            break;
        }
        day = day.pred_opt().unwrap_or(day);
        window = schedule::business_day(tz, start, day);
    }
    window
}

async fn demo(
    args: &Args,
    cfg: &TenantRuntimeConfig,
    store: &dyn Store,
    now: DateTime<Utc>,
    window: Option<Window>,
) -> Result<(Tenant, Adapters), String> {
    // Three days of history up to now, reaching at least a day before the window.
    let reach = window.map_or(0, |w| (now - w.start).num_days() + 2);
    let mut spec = DatasetSpec::with_messages(args.seed, now, args.messages);
    spec.days = u32::try_from(reach.max(3)).unwrap_or(3);
    spec.timezone = cfg.timezone;
    let data = Arc::new(Dataset::generate(&spec));
    println!(
        "demo tenant: {} managers, {} deals, {} chats, {} messages, {} calls over the last {} days\n",
        data.managers.len(),
        data.deals.len(),
        data.chats.len(),
        data.messages.len(),
        data.calls.len(),
        spec.days
    );
    let tenant = tenant_for(store, "Demo company «demo»", "demo", cfg).await?;
    // No LLM in the demo: the report's analysis is the plain summary.
    let adapters = Adapters::sources(
        Arc::new(FakeCrm::new(data.clone())),
        Arc::new(FakeMessenger::new(data)),
    );
    Ok((tenant, adapters))
}

async fn real(
    file: &FileConfig,
    cfg: &TenantRuntimeConfig,
    store: &dyn Store,
) -> Result<(Tenant, Adapters), String> {
    let amocrm = match &file.amocrm {
        Some(c) => Some(c.clone()),
        None if std::env::var_os("SYNKRO_AMOCRM_BASE_URL").is_some() => Some(
            AmoCrmConfig::from_env()
                .map_err(|e| format!("amoCRM settings from the environment: {e}"))?,
        ),
        None => None,
    };
    let radist = match &file.radist {
        Some(c) => Some(c.clone()),
        None if std::env::var_os("SYNKRO_RADIST_API_KEY").is_some() => Some(
            RadistConfig::from_env()
                .map_err(|e| format!("Radist settings from the environment: {e}"))?,
        ),
        None => None,
    };
    let crm = match amocrm {
        Some(c) => Some(
            Arc::new(AmoCrmClient::from_config(&c).map_err(|e| format!("amoCRM: {e}"))?)
                as Arc<dyn CrmSource>,
        ),
        None => None,
    };
    let messenger = match radist {
        Some(c) => Some(
            Arc::new(RadistClient::from_config(&c).map_err(|e| format!("Radist: {e}"))?)
                as Arc<dyn MessengerSource>,
        ),
        None => None,
    };
    let tenant = tenant_for(store, &file.tenant.name, &file.tenant.slug, cfg).await?;
    Ok((
        tenant,
        Adapters {
            crm,
            messenger,
            ..Adapters::default()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At every hour of two weeks, the demo reports the latest closed business day that is mostly
    /// a working day, inside the lookback the demo allows and the days its data covers.
    #[test]
    fn the_demo_window_is_the_last_closed_working_business_day() {
        use chrono::{Datelike, Duration, Weekday};
        let cfg = TenantRuntimeConfig::default();
        let tz = cfg.timezone;
        let weekend = |w: &Window| {
            let middle = w.start + (w.end - w.start) / 2;
            matches!(
                middle.with_timezone(&tz).weekday(),
                Weekday::Sat | Weekday::Sun
            )
        };
        let first: DateTime<Utc> = "2026-11-30T00:30:00Z".parse().unwrap();
        for h in 0..24 * 14 {
            let now = first + Duration::hours(h);
            let w = demo_window(&cfg, now);
            assert!(w.end <= now, "{now}: {w:?} is not closed");
            assert!(!weekend(&w), "{now}: {w:?} is mostly a weekend day");
            assert!(now - w.start <= Duration::days(7), "{now}: {w:?}");
            // Nothing later would do: every later closed business day is mostly a weekend day.
            let start = cfg.business_day_start;
            let (mut day, _) = schedule::business_day_containing(tz, start, w.start);
            loop {
                day = day.succ_opt().unwrap();
                let later = schedule::business_day(tz, start, day);
                if later.end > now {
                    break;
                }
                assert!(weekend(&later), "{now}: {later:?} was a later one");
            }
        }
    }
}
