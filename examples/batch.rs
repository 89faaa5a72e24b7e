//! One report run for one tenant, then exit.
//!
//! Run with: `cargo run --example batch -- --demo`
//!
//! `--demo` generates a tenant (managers, deals, contacts, chats, messages, calls) with the test
//! kit, serves it through in-memory CRM and messenger fakes, runs the tenant's pipeline mode for
//! the last closed business day (or `--from`/`--to`), and prints the run's step log and the
//! report. No credentials and no setup are needed.
//!
//! Runs against real amoCRM and Radist accounts arrive with the adapter crates; until then this
//! example refuses to run without `--demo` and says so.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Parser;
use synkro::clock::SystemClock;
use synkro::error::chain;
use synkro::model::{EventLevel, RunState, TenantRuntimeConfig, Trigger, Window};
use synkro::pipeline::{Adapters, Engine, TriggerRequest};
use synkro::report::to_json;
use synkro::store::{MemoryStore, RunStore};
use synkro_testkit::{Dataset, DatasetSpec, FakeCrm, FakeMessenger};
use tokio_util::sync::CancellationToken;

/// Run one Synkro report.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Use a generated tenant and in-memory fake sources (no credentials needed).
    #[arg(long)]
    demo: bool,
    /// Pipeline mode: amocrm_radist, radist_only or amocrm_only.
    #[arg(long, default_value = "amocrm_radist")]
    mode: String,
    /// Start of a forced window (RFC 3339, e.g. 2026-11-26T00:00:00+03:00).
    #[arg(long, requires = "to")]
    from: Option<DateTime<Utc>>,
    /// End of a forced window (RFC 3339).
    #[arg(long, requires = "from")]
    to: Option<DateTime<Utc>>,
    /// The tenant's IANA time zone.
    #[arg(long, default_value = "Europe/Moscow")]
    timezone: chrono_tz::Tz,
    /// Seed of the generated demo data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Messages in the generated demo data.
    #[arg(long, default_value_t = 2000)]
    messages: usize,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json_out: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<bool, String> {
    if !args.demo {
        return Err(
            "only --demo runs are available yet: the amoCRM and Radist adapters (with --config) \
                    are not part of this build. Try: cargo run --example batch -- --demo"
                .into(),
        );
    }
    let now = Utc::now();
    let cfg = TenantRuntimeConfig {
        mode: args.mode.clone(),
        timezone: args.timezone,
        ..TenantRuntimeConfig::default()
    };
    cfg.validate()
        .map_err(|e| format!("invalid configuration: {e}"))?;

    let mut spec = DatasetSpec::with_messages(args.seed, now, args.messages);
    spec.days = 3;
    spec.timezone = args.timezone;
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

    let store = Arc::new(MemoryStore::new());
    let tenant = synkro_testkit::tenant::create_tenant(store.as_ref(), "demo", &cfg)
        .await
        .map_err(|e| chain(&e))?;
    let engine = Engine::builder(store.clone())
        .clock(Arc::new(SystemClock))
        .build();
    let adapters = Adapters {
        crm: Some(Arc::new(FakeCrm::new(data.clone()))),
        messenger: Some(Arc::new(FakeMessenger::new(data.clone()))),
        // No LLM in the demo: the report's analysis is the plain summary.
        analyzer: None,
        delivery: None,
    };
    let (trigger, window) = match (args.from, args.to) {
        (Some(start), Some(end)) => (Trigger::Forced, Some(Window { start, end })),
        _ => (Trigger::Manual, None),
    };
    let req = TriggerRequest {
        tenant: tenant.id,
        trigger,
        window,
        requested_by: None,
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
        "run {} ({}), window {} – {}",
        result.run.id, result.run.mode, result.run.window.start, result.run.window.end
    );
    for ev in store
        .run_events(tenant.id, result.run.id)
        .await
        .map_err(|e| chain(&e))?
    {
        let level = match ev.event.level {
            EventLevel::Info => "info ",
            EventLevel::Warn => "WARN ",
            EventLevel::Error => "ERROR",
            _ => "?    ",
        };
        let progress = ev
            .event
            .progress
            .map(|p| format!("{p:>3}%"))
            .unwrap_or_else(|| "    ".into());
        println!(
            "  {} {level} {progress} {:<28} {}",
            ev.at.format("%H:%M:%S%.3f"),
            ev.event.step,
            ev.event.message
        );
    }
    println!();
    match (&result.run.state, &result.report) {
        (RunState::Succeeded, Some(report)) => {
            println!("{}", report.summary_text);
            if let Some(path) = &args.json_out {
                let json = to_json(&report.document).map_err(|e| e.to_string())?;
                std::fs::write(path, json)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                println!("JSON report written to {}", path.display());
            }
            Ok(true)
        }
        (state, _) => {
            println!(
                "run ended {state:?}: {}",
                result.run.error.as_deref().unwrap_or("no report")
            );
            Ok(false)
        }
    }
}
