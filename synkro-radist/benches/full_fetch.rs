//! Full fetch of a large tenant from the fake Radist server at its rate limits, and the cost of
//! an unchanged re-run.
//!
//! Wall time is reported as a ratio of the rate-limit floor measured in the same run: the
//! requests actually sent divided by the allowed rates (overall and listing), whichever is
//! longer. Target ≤ 1.05. The re-run's request count as a share of the full run: target ≤ 2%.
//!
//! `cargo bench -p synkro-radist --bench full_fetch` (env `SYNKRO_BENCH_MESSAGES`, default
//! 200000; `SYNKRO_BENCH_RPS`, default 400; `SYNKRO_BENCH_LISTING_RPS`, default 100).

use std::time::Instant;

use chrono::Duration;
use synkro_core::Secret;
use synkro_core::model::{Channel, Window};
use synkro_radist::{RadistClient, RadistConfig};
use synkro_testkit::fake::radist_server::{
    FAKE_API_KEY, FAKE_COMPANY_ID, FakeRadist, RadistOptions,
};
use synkro_testkit::{Dataset, DatasetSpec};

fn env_or<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn main() {
    let messages: usize = env_or("SYNKRO_BENCH_MESSAGES", 200_000);
    let rps: f64 = env_or("SYNKRO_BENCH_RPS", 50.0);
    let listing_rps: f64 = env_or("SYNKRO_BENCH_LISTING_RPS", 10.0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let end = "2026-01-15T00:00:00Z".parse().expect("date");
        let t = Instant::now();
        let data = Dataset::generate(&DatasetSpec::with_messages(1, end, messages));
        eprintln!(
            "generated {} chats / {} messages in {:.1}s",
            data.chats.len(),
            data.messages.len(),
            t.elapsed().as_secs_f64()
        );
        let window = Window::new(data.start() - Duration::days(60), data.spec.end).expect("window");
        let opts = RadistOptions {
            overall_rps: Some(rps),
            listing_rps: Some(listing_rps),
            // A server that counts requests per 100 ms window: it tolerates arrival jitter.
            burst: (rps / 10.0).max(1.0) as u32,
            latency: std::time::Duration::from_millis(5),
            ..RadistOptions::default()
        };
        let fake = FakeRadist::start(data.clone(), opts).await.expect("fake");
        let mut cfg = RadistConfig::new(Secret::new(FAKE_API_KEY.to_owned()), FAKE_COMPANY_ID);
        cfg.base_url = fake.base_url().to_owned();
        cfg.channels = vec![Channel::Whatsapp, Channel::Waba, Channel::Telegram];
        cfg.requests_per_second = rps;
        cfg.listing_requests_per_second = listing_rps;
        cfg.concurrency = 16;
        cfg.burst = env_or("SYNKRO_BENCH_BURST", 2);
        let client = RadistClient::from_config(&cfg).expect("client");

        let t = Instant::now();
        let full = client.fetch(window, None).await.expect("full fetch");
        let wall = t.elapsed().as_secs_f64();
        let log = fake.requests();
        let listing = log
            .iter()
            .filter(|r| r.path.contains("/messaging/chats/") || r.path.contains("/contacts/"))
            .count();
        let throttled = log.iter().filter(|r| r.status == 429).count();
        // The first request of each limiter goes out at once: n requests need (n-1) gaps.
        let floor = ((log.len().saturating_sub(1)) as f64 / rps)
            .max((listing.saturating_sub(1)) as f64 / listing_rps);
        assert_eq!(full.messages.len(), data.messages.len(), "every message read");
        println!("rates: {rps} req/s overall (client burst {}), {listing_rps} req/s listings", cfg.burst);
        println!(
            "full fetch: {} chats, {} messages, {} requests ({} listing, {} answered 429), wall {:.2}s, rate-limit floor {:.2}s, ratio {:.3}",
            full.chats.len(),
            full.messages.len(),
            log.len(),
            listing,
            throttled,
            wall,
            floor,
            wall / floor
        );
        fake.clear_requests();
        let t = Instant::now();
        let again = client.fetch(window, full.cursor).await.expect("re-run");
        let rerun = fake.requests().len();
        println!(
            "unchanged re-run: {} requests ({} chats skipped), {:.2}% of the full run, wall {:.2}s",
            rerun,
            again.unchanged_chats,
            100.0 * rerun as f64 / log.len() as f64,
            t.elapsed().as_secs_f64()
        );
    });
}
