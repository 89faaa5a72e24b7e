//! Shared set-up for the engine tests: a generated tenant, fake sources over it, a manual clock.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use synkro_core::clock::ManualClock;
use synkro_core::model::{RunEvent, Tenant, TenantRuntimeConfig, Trigger};
use synkro_core::pipeline::{Adapters, Engine, RunResult, TriggerRequest};
use synkro_core::store::{MemoryStore, RunStore};
use synkro_testkit::{Dataset, DatasetSpec, FakeCrm, FakeMessenger};
use tokio_util::sync::CancellationToken;

pub struct Env {
    pub store: Arc<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub engine: Engine,
    pub tenant: Tenant,
    pub data: Arc<Dataset>,
    pub crm: FakeCrm,
    pub messenger: FakeMessenger,
}

/// Data ends at 2026-03-11 00:00 UTC (03:00 in Moscow); "now" is one hour later.
pub fn data_end() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().unwrap()
}

pub async fn env(mode: &str) -> Env {
    env_with(mode, |_| {}).await
}

pub async fn env_with(mode: &str, tweak: impl FnOnce(&mut TenantRuntimeConfig)) -> Env {
    let data = Arc::new(Dataset::generate(&DatasetSpec::small(11, data_end())));
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(data_end() + chrono::Duration::hours(1)));
    let mut cfg = TenantRuntimeConfig {
        mode: mode.to_owned(),
        ..TenantRuntimeConfig::default()
    };
    tweak(&mut cfg);
    let tenant = synkro_testkit::tenant::create_tenant(store.as_ref(), "acme", &cfg)
        .await
        .unwrap();
    let engine = Engine::builder(store.clone()).clock(clock.clone()).build();
    Env {
        crm: FakeCrm::new(data.clone()).page_size(7),
        messenger: FakeMessenger::new(data.clone()).page_size(5),
        store,
        clock,
        engine,
        tenant,
        data,
    }
}

impl Env {
    pub fn adapters(&self) -> Adapters {
        Adapters::sources(Arc::new(self.crm.clone()), Arc::new(self.messenger.clone()))
    }

    pub fn daily(&self) -> TriggerRequest {
        TriggerRequest::new(self.tenant.id, Trigger::Manual)
    }

    pub async fn run(&self, adapters: &Adapters) -> RunResult {
        self.engine
            .run(&self.daily(), adapters, CancellationToken::new())
            .await
            .unwrap()
    }

    pub async fn events(&self, result: &RunResult) -> Vec<RunEvent> {
        self.store
            .run_events(self.tenant.id, result.run.id)
            .await
            .unwrap()
    }
}

/// The last ten digits of a phone: an independent normalization for checking joins.
pub fn tail10(raw: &str) -> String {
    let d: String = raw.chars().filter(char::is_ascii_digit).collect();
    d[d.len().saturating_sub(10)..].to_owned()
}

pub fn ops(reqs: &[synkro_testkit::Request]) -> std::collections::BTreeSet<String> {
    reqs.iter().map(|r| r.operation.clone()).collect()
}
