//! Fetches every lead of a large tenant with its contacts from the fake amoCRM at amoCRM's rate
//! limit (7 requests/s) and 150 ms latency, and reports wall time as a ratio of the rate-limit
//! floor (requests ÷ 7 s). Baseline in the same run: the same read with one request in flight.
//!
//! `cargo bench -p synkro-amocrm --bench leads_with_contacts` (`SYNKRO_BENCH_LEADS` sets the size,
//! default 50 000; `SYNKRO_BENCH_BASELINE_LEADS` the baseline's, default 10 000).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use synkro_amocrm::{AmoAuth, AmoCrmClient, LeadFilter};
use synkro_core::Secret;
use synkro_testkit::fake::amocrm_server::{
    DEFAULT_TOKEN, FakeAmoCrm, FakeAmoCrmOptions, RateLimitRule,
};
use synkro_testkit::{Dataset, DatasetSpec};

struct Run {
    leads: usize,
    contacts: usize,
    requests: usize,
    wall: Duration,
    server_429: usize,
    client_429: u64,
}

impl Run {
    fn floor(&self) -> f64 {
        self.requests as f64 / 7.0
    }
    fn ratio(&self) -> f64 {
        self.wall.as_secs_f64() / self.floor()
    }
}

fn dataset(leads: usize) -> Arc<Dataset> {
    let end = "2026-03-11T00:00:00Z".parse().expect("a valid instant");
    let spec = DatasetSpec {
        clients: leads,
        messages: leads,
        managers: 50,
        days: 30,
        calls_per_deal: 0.0,
        duplicate_chat_share: 0.0,
        ..DatasetSpec::small(2026, end)
    };
    Arc::new(Dataset::generate(&spec))
}

async fn run(data: Arc<Dataset>, concurrency: usize) -> Run {
    let fake = FakeAmoCrm::start(
        data,
        FakeAmoCrmOptions {
            latency: Duration::from_millis(150),
            rate_limit: Some(RateLimitRule::amocrm()),
            ..FakeAmoCrmOptions::default()
        },
    )
    .await
    .expect("the fake starts");
    let client = AmoCrmClient::builder()
        .base_url(fake.base_url())
        .auth(AmoAuth::long_lived(Secret::new(DEFAULT_TOKEN.to_owned())))
        .max_rps(7.0)
        .concurrency(concurrency)
        .build()
        .expect("a valid client");
    let started = Instant::now();
    let batches: Vec<_> = client
        .deals_with_contacts(&LeadFilter::default())
        .try_collect()
        .await
        .expect("the listing completes");
    let wall = started.elapsed();
    Run {
        leads: batches.iter().map(|b| b.deals.len()).sum(),
        contacts: batches.iter().map(|b| b.contacts.len()).sum(),
        requests: fake.requests().len(),
        wall,
        server_429: fake.rate_limited(),
        client_429: client.stats().rate_limited,
    }
}

fn report(name: &str, r: &Run) {
    println!(
        "{name}: {} leads, {} contacts, {} requests, wall {:.2} s, floor {:.2} s, ratio {:.3}, \
         429s seen by server {} / by client {}",
        r.leads,
        r.contacts,
        r.requests,
        r.wall.as_secs_f64(),
        r.floor(),
        r.ratio(),
        r.server_429,
        r.client_429
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run a tiny size then.
    let benching = std::env::args().any(|a| a == "--bench");
    let size = |var: &str, default: usize| {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if benching { default } else { 500 })
    };
    let leads = size("SYNKRO_BENCH_LEADS", 50_000);
    let baseline_leads = size("SYNKRO_BENCH_BASELINE_LEADS", 10_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let t = Instant::now();
    let big = dataset(leads);
    let small = dataset(baseline_leads);
    println!(
        "generated {} + {} leads in {:.1} s",
        big.deals.len(),
        small.deals.len(),
        t.elapsed().as_secs_f64()
    );
    let baseline = rt.block_on(run(small, 1));
    report("baseline (1 request in flight)", &baseline);
    let main = rt.block_on(run(big, 3));
    report("concurrent (3 pages in flight)", &main);
    println!(
        "ratio to the rate-limit floor: {:.3} (target <= 1.05; baseline {:.3})",
        main.ratio(),
        baseline.ratio()
    );
    assert_eq!(main.server_429, 0, "no 429 at the default rate");
}
