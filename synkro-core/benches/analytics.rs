//! Throughput and peak memory of the full metric set over 1,000,000 generated messages: cold
//! (`full_metric_set`: every phone parsed by the metrics), with the phones the linking step
//! already normalized (`full_metric_set_phones_known`: a run's book after linking, the metrics
//! still parse the call phones), and warm (`full_metric_set_phones_warm`: the book also knows
//! every call's phone, as in a run whose attach step sent every call through the book, or one
//! that loaded the tenant's persisted book; the call phones are normalized into a clone of the
//! book during setup, outside the measured loop). Two baselines run in the same process: counting
//! messages by direction, and `baseline_read_inputs`, which reads only what every metric needs of
//! each message (the floor under any engine over these inputs).
//!
//! Run: `cargo bench -p synkro-core --bench analytics`
//! (set `SYNKRO_BENCH_MESSAGES` to change the size, and `SYNKRO_BENCH_ONCE=1` to stop after the
//! first measured run, for profilers; `SYNKRO_BENCH_ONCE=known` or `=warm` makes that run use
//! the phone book of `full_metric_set_phones_known` or `full_metric_set_phones_warm`; with
//! `SYNKRO_BENCH_DUMP=FILE` that run's report is written to FILE as JSON, so two builds can be
//! compared number by number).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use synkro_core::analytics::{
    MetricsConfig, MetricsContext, ReferenceData, compute, compute_with_phones,
};
use synkro_core::model::{Direction, Window};
use synkro_core::pipeline::normalize::PhoneBook;
use synkro_core::pipeline::{Dialog, link};
use synkro_testkit::{Dataset, DatasetSpec};

/// The dialogs of the generated data, linked by phone as a run links them, and the phone book
/// the linking filled.
fn dialogs_of(data: &Dataset) -> (Vec<Dialog>, PhoneBook) {
    let mut book = PhoneBook::new("RU");
    let linked = link::by_phone_in(&mut book, &data.deals, &data.contacts, &data.chats);
    let chats: HashMap<_, _> = data.chats.iter().map(|c| (&c.id, c)).collect();
    let mut calls: HashMap<_, Vec<_>> = HashMap::new();
    for c in &data.calls {
        if let Some(d) = &c.deal {
            calls.entry(d.clone()).or_default().push(c.clone());
        }
    }
    let mut changes: HashMap<_, Vec<_>> = HashMap::new();
    for s in &data.stage_changes {
        changes.entry(s.deal.clone()).or_default().push(s.clone());
    }
    let dialogs = data
        .deals
        .iter()
        .map(|deal| {
            let mut d = Dialog::new(deal.clone());
            if let Some(chat) = linked.links.get(&deal.id).and_then(|id| chats.get(id)) {
                d.messages = data.messages_of(&chat.id).to_vec();
                d.chat = Some((*chat).clone());
            }
            d.calls = calls.remove(&deal.id).unwrap_or_default();
            d.stage_changes = changes.remove(&deal.id).unwrap_or_default();
            d
        })
        .collect();
    (dialogs, book)
}

fn ctx(data: &Dataset) -> MetricsContext {
    let end = data.spec.end;
    MetricsContext {
        config: MetricsConfig::default(),
        period: Window::new(data.start(), end).expect("a generated period"),
        as_of: end,
        report_tz: data.spec.timezone,
        phone_region: "RU".into(),
        reference: ReferenceData {
            pipelines: data.sales_pipelines.clone(),
            responsible_changes: data.responsible_changes.clone(),
            ..ReferenceData::default()
        },
    }
}

/// `VmHWM` / `VmRSS` of this process in KiB (Linux).
fn proc_status(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn main() {
    let n: usize = std::env::var("SYNKRO_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let end = "2026-03-11T00:00:00Z".parse().expect("a valid instant");
    let data = Dataset::generate(&DatasetSpec::with_messages(7, end, n));
    let (dialogs, book) = dialogs_of(&data);
    let linked: usize = dialogs.iter().map(|d| d.messages.len()).sum();
    let data_ctx = ctx(&data);

    // One measured run for peak memory: reset the high-water mark (Linux clear_refs 5).
    let rss_before = proc_status("VmRSS:").unwrap_or(0);
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    // As in a run whose book knows every call's phone too: the metrics parse nothing.
    let mut warm = book.clone();
    for c in &data.calls {
        if let Some(p) = &c.phone {
            warm.get(p);
        }
    }
    let once = std::env::var("SYNKRO_BENCH_ONCE").ok();
    let (known, label) = match once.as_deref() {
        Some("known") => (Some(&book), " (phones known)"),
        Some("warm") => (Some(&warm), " (phone book warm)"),
        _ => (None, ""),
    };
    let t = Instant::now();
    let report = compute_with_phones(data_ctx.clone(), &dialogs, known).expect("valid config");
    let took = t.elapsed();
    let hwm = proc_status("VmHWM:").unwrap_or(0);
    println!(
        "analytics: {linked} linked messages ({n} generated, {} chats), full metric set{} in {:.3} s = {:.0} messages/s; waits {}, dialogs {}",
        dialogs.iter().filter(|d| d.chat.is_some()).count(),
        label,
        took.as_secs_f64(),
        linked as f64 / took.as_secs_f64(),
        report.totals.waits.total,
        report.totals.dialogs.new
    );
    println!(
        "analytics: RSS before {} MiB, peak during the run {} MiB (high-water mark reset: {reset}), so the run added at most {} MiB",
        rss_before / 1024,
        hwm / 1024,
        hwm.saturating_sub(rss_before) / 1024
    );
    if let Ok(path) = std::env::var("SYNKRO_BENCH_DUMP") {
        // The report as JSON, to check that a change to the engine leaves every number as it was.
        let json = serde_json::to_string_pretty(&report).expect("a report serializes");
        std::fs::write(&path, json).expect("the dump file is writable");
    }
    drop(report);
    if once.is_some() {
        // One run only (for profilers such as `valgrind --tool=callgrind`).
        return;
    }

    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(2))
        .configure_from_args();
    let mut g = c.benchmark_group("analytics");
    g.throughput(Throughput::Elements(linked as u64));
    g.bench_function("baseline_count_by_direction", |b| {
        b.iter(|| {
            let mut inbound = 0u64;
            for d in &dialogs {
                inbound += d
                    .messages
                    .iter()
                    .filter(|m| m.direction == Direction::Inbound)
                    .count() as u64;
            }
            black_box(inbound)
        });
    });
    // What every metric set must read of each message: its instant, direction and author kind,
    // whether its author is a known manager (a hash lookup), and its text's length in characters.
    let managers: std::collections::HashSet<&str> =
        data.managers.iter().map(|m| m.id.as_str()).collect();
    g.bench_function("baseline_read_inputs", |b| {
        b.iter(|| {
            let (mut sum, mut known, mut chars) = (0i64, 0u64, 0usize);
            for d in &dialogs {
                for m in &d.messages {
                    sum = sum.wrapping_add(m.created_at.timestamp_micros());
                    known += u64::from(
                        m.direction == Direction::Outbound
                            && m.author_id.as_deref().is_some_and(|a| managers.contains(a)),
                    );
                    chars += m.text.as_deref().map_or(0, |t| t.chars().count());
                }
            }
            black_box((sum, known, chars))
        });
    });
    g.bench_function("full_metric_set", |b| {
        b.iter(|| black_box(compute(data_ctx.clone(), black_box(&dialogs)).expect("valid config")));
    });
    // As in a run: the phones linking normalized are not parsed again.
    g.bench_function("full_metric_set_phones_known", |b| {
        b.iter(|| {
            black_box(
                compute_with_phones(data_ctx.clone(), black_box(&dialogs), Some(&book))
                    .expect("valid config"),
            )
        });
    });
    g.bench_function("full_metric_set_phones_warm", |b| {
        b.iter(|| {
            black_box(
                compute_with_phones(data_ctx.clone(), black_box(&dialogs), Some(&warm))
                    .expect("valid config"),
            )
        });
    });
    g.finish();
    c.final_summary();
}
