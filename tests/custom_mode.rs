//! A pipeline mode written outside synkro-core, against the public API only: registered next to
//! the built-ins, selected by the tenant's config, run by the engine.

use std::sync::Arc;

use async_trait::async_trait;
use synkro::error::RunError;
use synkro::model::{RunState, TenantRuntimeConfig, Trigger};
use synkro::pipeline::{
    Adapters, Dialog, Engine, ModeRegistry, ModeRequirements, PipelineMode, RunContext,
    TriggerRequest, modes, sync,
};
use synkro::store::MemoryStore;
use synkro_testkit::{Dataset, DatasetSpec, FakeCrm, FakeMessenger};
use tokio_util::sync::CancellationToken;

/// Deals of the window that had a missed call: a "call-back discipline" report.
#[derive(Debug)]
struct MissedCalls;

#[async_trait]
impl PipelineMode for MissedCalls {
    fn id(&self) -> &str {
        "missed_calls"
    }

    fn requirements(&self) -> ModeRequirements {
        ModeRequirements::new(true, false)
    }

    async fn sync(&self, cx: &RunContext) -> Result<(), RunError> {
        let crm = cx.crm()?;
        cx.sync_source(crm.backend(), sync::crm(cx, crm.as_ref()))
            .await?;
        Ok(())
    }

    async fn dialogs(&self, cx: &RunContext) -> Result<Vec<Dialog>, RunError> {
        let all = modes::AmocrmOnly.dialogs(cx).await?;
        Ok(all
            .into_iter()
            .filter(|d| d.calls.iter().any(|c| c.is_missed()))
            .collect())
    }
}

#[tokio::test]
async fn a_custom_mode_runs_through_the_engine_like_a_built_in() {
    let end = "2026-03-11T00:00:00Z".parse().unwrap();
    let mut spec = DatasetSpec::small(5, end);
    spec.calls_per_deal = 3.0;
    let data = Arc::new(Dataset::generate(&spec));
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(synkro::clock::ManualClock::new(
        end + chrono::Duration::hours(1),
    ));
    let cfg = TenantRuntimeConfig {
        mode: "missed_calls".into(),
        ..TenantRuntimeConfig::default()
    };
    let tenant = synkro_testkit::tenant::create_tenant(store.as_ref(), "calls", &cfg)
        .await
        .unwrap();

    let mut registry = ModeRegistry::with_builtins();
    registry.register(Arc::new(MissedCalls)).unwrap();
    assert!(
        registry.register(Arc::new(MissedCalls)).is_err(),
        "ids are unique"
    );
    let engine = Engine::builder(store.clone())
        .modes(registry)
        .clock(clock)
        .build();

    let crm = FakeCrm::new(data.clone());
    let messenger = FakeMessenger::new(data.clone());
    let adapters = Adapters::sources(Arc::new(crm.clone()), Arc::new(messenger.clone()));
    let res = engine
        .run(
            &TriggerRequest::new(tenant.id, Trigger::Schedule),
            &adapters,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    assert_eq!(res.run.mode, "missed_calls");
    assert!(
        messenger.requests().is_empty(),
        "the mode does not need the messenger"
    );
    assert!(!crm.requests().is_empty());

    let w = res.run.window;
    let expected = data
        .deals
        .iter()
        .filter(|d| w.contains(d.updated_at))
        .filter(|d| {
            data.calls.iter().any(|c| {
                c.deal.as_ref() == Some(&d.id) && w.contains(c.started_at) && c.is_missed()
            })
        })
        .count();
    let doc = res.report.unwrap().document;
    assert!(expected > 0);
    assert_eq!(doc.mode, "missed_calls");
    assert_eq!(doc.summary.deals, expected as u64);
    assert!(doc.summary.missed_calls >= expected as u64);
}
