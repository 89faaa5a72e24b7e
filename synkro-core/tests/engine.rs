//! The engine: step log, cancellation, the failing-source policy, forced windows, analysis
//! fallback and delivery.

mod common;

use std::sync::Arc;

use chrono::Duration;
use common::{env, env_with};
use synkro_core::error::{RunError, WindowError};
use synkro_core::model::{EventLevel, RunState, Trigger, Window};
use synkro_core::pipeline::{Adapters, Delivery, TriggerRequest};
use synkro_core::report::SourceState;
use synkro_core::store::{CreateRun, ReportStore, RunStore};
use synkro_testkit::{FakeAnalyzer, Fault, RecordingNotifier};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn every_step_is_logged_with_rising_progress() {
    let e = env("amocrm_radist").await;
    let res = e.run(&e.adapters()).await;
    assert_eq!(res.run.state, RunState::Succeeded);
    assert_eq!(res.run.progress, 100);
    let events = e.events(&res).await;
    let steps: Vec<&str> = events
        .iter()
        .filter(|ev| ev.event.progress.is_some())
        .map(|ev| ev.event.step.as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "start", "config", "sync", "dialogs", "summary", "analyze", "report", "complete"
        ]
    );
    let progress: Vec<u8> = events.iter().filter_map(|ev| ev.event.progress).collect();
    assert!(progress.windows(2).all(|p| p[0] < p[1]), "{progress:?}");
    assert!(events.iter().any(|ev| ev.event.step == "sync.amocrm"));
    assert!(events.iter().any(|ev| ev.event.step == "sync.radist"));
    assert!(events.iter().all(|ev| ev.event.level == EventLevel::Info));
}

#[tokio::test]
async fn cancelling_mid_sync_ends_the_run_cancelled_without_a_report() {
    let e = env("amocrm_radist").await;
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    // Cancel while the messenger is being paged: after its third request.
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    e.messenger.on_request(move |_| {
        if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2 {
            token.cancel();
        }
    });
    let res = e
        .engine
        .run(&e.daily(), &e.adapters(), cancel)
        .await
        .unwrap();
    assert_eq!(res.run.state, RunState::Cancelled);
    assert!(res.report.is_none());
    assert!(e.store.reports(e.tenant.id, 10).await.unwrap().is_empty());
    // The page in flight completes; no further request is made.
    assert_eq!(e.messenger.requests().len(), 3);
    let events = e.events(&res).await;
    let last = events.last().unwrap();
    assert_eq!(last.event.step, "cancel");
    assert!(
        last.event.message.contains("sync"),
        "{}",
        last.event.message
    );
}

#[tokio::test]
async fn a_stop_requested_through_the_store_is_honoured_at_the_next_step() {
    let e = env("radist_only").await;
    let run = e.engine.trigger(&e.daily()).await.unwrap().run().clone();
    let (store, tenant, at) = (e.store.clone(), e.tenant.id, e.clock.now_for_test());
    // A user presses "stop" (from another process, through the store) while chats are listed.
    e.messenger.on_request(move |_| {
        let state =
            futures::executor::block_on(store.request_cancel(tenant, run.id, None, at)).unwrap();
        assert_eq!(state, RunState::Running, "a running run only gets the flag");
    });
    let res = e
        .engine
        .execute(tenant, run.id, &e.adapters(), CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(res.run.state, RunState::Cancelled);
    assert!(res.report.is_none());
    let events = e.events(&res).await;
    let last = &events.last().unwrap().event;
    assert_eq!(last.step, "cancel");
    assert!(
        last.message.contains("during step `dialogs`"),
        "{}",
        last.message
    );
}

trait NowForTest {
    fn now_for_test(&self) -> chrono::DateTime<chrono::Utc>;
}
impl NowForTest for synkro_core::clock::ManualClock {
    fn now_for_test(&self) -> chrono::DateTime<chrono::Utc> {
        synkro_core::clock::Clock::now(self)
    }
}

#[tokio::test]
async fn stopping_a_queued_run_cancels_it_and_it_never_executes() {
    let e = env("radist_only").await;
    let run = e.engine.trigger(&e.daily()).await.unwrap().run().clone();
    let state = e
        .store
        .request_cancel(e.tenant.id, run.id, None, e.clock.now_for_test())
        .await
        .unwrap();
    assert_eq!(state, RunState::Cancelled);
    let err = e
        .engine
        .execute(e.tenant.id, run.id, &e.adapters(), CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not queued")
            || synkro_core::error::chain(&err).contains("not queued")
    );
    assert!(e.messenger.requests().is_empty());
}

#[tokio::test]
async fn a_failing_source_with_stored_data_degrades_the_report_and_says_how_stale() {
    let e = env("amocrm_radist").await;
    let first = e.run(&e.adapters()).await;
    assert_eq!(first.run.state, RunState::Succeeded);
    let synced_at = e.clock.now_for_test();

    // A day later the messenger is down.
    e.clock.advance(Duration::days(1));
    e.messenger.fail(Fault::Unavailable, None, 0);
    let window = Window {
        start: first.run.window.start + Duration::hours(1),
        end: first.run.window.end,
    };
    let req = TriggerRequest {
        tenant: e.tenant.id,
        trigger: Trigger::Forced,
        window: Some(window),
        requested_by: None,
        as_of: None,
    };
    let res = e
        .engine
        .run(&req, &e.adapters(), CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    let doc = res.report.clone().unwrap().document;
    let radist = doc.sources.iter().find(|s| s.source == "radist").unwrap();
    assert!(
        matches!(&radist.state, SourceState::Failed { error_kind, .. } if error_kind == "unavailable")
    );
    assert_eq!(radist.last_synced_at, Some(synced_at));
    assert_eq!(radist.stale_for_s, Some(86_400));
    let amocrm = doc.sources.iter().find(|s| s.source == "amocrm").unwrap();
    assert_eq!(amocrm.state, SourceState::Fresh);
    // The report still has the stored dialogs, and says plainly what failed.
    assert!(doc.summary.messages > 0);
    let md = synkro_core::report::to_markdown(&doc);
    assert!(md.contains("**radist** failed in this run"), "{md}");
    assert!(md.contains("(1 d old)"), "{md}");
    let events = e.events(&res).await;
    let warn = events
        .iter()
        .find(|ev| ev.event.level == EventLevel::Warn)
        .expect("a warning");
    assert_eq!(warn.event.step, "sync.radist.chats");
    assert!(
        warn.event
            .message
            .contains("radist: unavailable on GET chats"),
        "{}",
        warn.event.message
    );
}

#[tokio::test]
async fn a_failing_source_without_stored_data_fails_the_run_naming_the_step_and_error() {
    let e = env("amocrm_radist").await;
    e.crm.fail(Fault::Unauthenticated, Some("deals"), 0);
    let res = e.run(&e.adapters()).await;
    assert_eq!(res.run.state, RunState::Failed);
    assert!(res.report.is_none());
    assert_eq!(res.run.error_kind.as_deref(), Some("unauthenticated"));
    let msg = res.run.error.clone().unwrap();
    assert!(
        msg.contains("step `sync.amocrm.deals` failed and there is no stored data to fall back on"),
        "{msg}"
    );
    assert!(
        msg.contains("amocrm: authentication failed on GET deals"),
        "{msg}"
    );
    assert!(
        e.messenger.requests().is_empty(),
        "the run stopped at the CRM"
    );
    let events = e.events(&res).await;
    assert_eq!(events.last().unwrap().event.level, EventLevel::Error);
    assert!(e.store.reports(e.tenant.id, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn forced_windows_outside_the_limits_are_rejected_before_queueing() {
    let e = env("radist_only").await;
    let now = e.clock.now_for_test();
    let forced = |start, end| TriggerRequest {
        tenant: e.tenant.id,
        trigger: Trigger::Forced,
        window: Some(Window { start, end }),
        requested_by: None,
        as_of: None,
    };
    let too_long = e
        .engine
        .trigger(&forced(now - Duration::hours(30), now - Duration::hours(1)))
        .await
        .unwrap_err();
    assert!(matches!(
        too_long,
        RunError::InvalidWindow(WindowError::TooLong {
            hours: 29,
            max_hours: 24
        })
    ));
    let too_old = e
        .engine
        .trigger(&forced(
            now - Duration::days(4),
            now - Duration::days(4) + Duration::hours(2),
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        too_old,
        RunError::InvalidWindow(WindowError::TooOld { .. })
    ));
    let backwards = e
        .engine
        .trigger(&forced(now - Duration::hours(1), now - Duration::hours(2)))
        .await
        .unwrap_err();
    assert!(matches!(
        backwards,
        RunError::InvalidWindow(WindowError::EndBeforeStart { .. })
    ));
    let future = e
        .engine
        .trigger(&forced(now - Duration::hours(1), now + Duration::hours(1)))
        .await
        .unwrap_err();
    assert!(matches!(
        future,
        RunError::InvalidWindow(WindowError::InFuture { .. })
    ));
    assert!(
        e.store.runs(e.tenant.id, 10).await.unwrap().is_empty(),
        "nothing was queued"
    );
    // Within limits it is queued once; the same request again returns the same run.
    let ok = forced(now - Duration::hours(5), now - Duration::hours(1));
    let first = e.engine.trigger(&ok).await.unwrap();
    let second = e.engine.trigger(&ok).await.unwrap();
    assert!(matches!(first, CreateRun::Created(_)));
    assert!(matches!(&second, CreateRun::Existing(r) if r.id == first.run().id));
}

#[tokio::test]
async fn a_requested_cut_off_is_checked_kept_with_the_run_and_used_by_it() {
    let e = env("radist_only").await;
    let now = e.clock.now_for_test();
    let window = Window {
        start: now - Duration::hours(5),
        end: now - Duration::hours(2),
    };
    let req = |as_of| TriggerRequest {
        tenant: e.tenant.id,
        trigger: Trigger::Forced,
        window: Some(window),
        requested_by: None,
        as_of,
    };
    let ahead = e
        .engine
        .trigger(&req(Some(now + Duration::seconds(1))))
        .await
        .unwrap_err();
    assert!(
        matches!(ahead, RunError::InvalidWindow(WindowError::AsOfInFuture { as_of, now: n })
            if as_of == now + Duration::seconds(1) && n == now),
        "{ahead:?}"
    );
    let before = e
        .engine
        .trigger(&req(Some(window.start - Duration::seconds(1))))
        .await
        .unwrap_err();
    assert!(
        matches!(
            before,
            RunError::InvalidWindow(WindowError::AsOfBeforeStart { .. })
        ),
        "{before:?}"
    );
    assert!(e.store.runs(e.tenant.id, 10).await.unwrap().is_empty());

    // A cut-off an hour after the window: a run of its own, which keeps it.
    let a = window.end + Duration::hours(1);
    let first = e.engine.trigger(&req(Some(a))).await.unwrap();
    assert!(matches!(first, CreateRun::Created(_)));
    assert_eq!(first.run().metadata["as_of"], serde_json::json!(a));
    let again = e.engine.trigger(&req(Some(a))).await.unwrap();
    assert!(matches!(&again, CreateRun::Existing(r) if r.id == first.run().id));
    let without = e.engine.trigger(&req(None)).await.unwrap();
    assert!(matches!(&without, CreateRun::Created(r) if r.id != first.run().id));

    // The run's config step names its cut-off: the requested one, else the run's start.
    e.clock.advance(Duration::minutes(5));
    let adapters = e.adapters();
    for (run, want) in [
        (first.run().id, a),
        (without.run().id, e.clock.now_for_test()),
    ] {
        let res = e
            .engine
            .execute(e.tenant.id, run, &adapters, CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
        let config = e
            .events(&res)
            .await
            .into_iter()
            .find(|ev| ev.event.step == "config")
            .expect("a config event");
        assert!(
            config
                .event
                .message
                .ends_with(&format!(", as of {}", want.to_rfc3339())),
            "{}",
            config.event.message
        );
    }
}

#[tokio::test]
async fn a_mode_without_its_sources_fails_at_the_config_step() {
    let e = env("amocrm_radist").await;
    let adapters = Adapters {
        crm: Some(Arc::new(e.crm.clone())),
        ..Adapters::default()
    };
    let res = e.run(&adapters).await;
    assert_eq!(res.run.state, RunState::Failed);
    let msg = res.run.error.clone().unwrap();
    assert!(msg.contains("step `config` failed"), "{msg}");
    assert!(
        msg.contains("mode `amocrm_radist` needs the `messenger` integration"),
        "{msg}"
    );
    assert!(e.crm.requests().is_empty());
}

#[tokio::test]
async fn an_unknown_mode_fails_naming_the_registered_ones() {
    let e = env_with("nonexistent_mode", |_| {}).await;
    let res = e.run(&e.adapters()).await;
    assert_eq!(res.run.state, RunState::Failed);
    assert!(
        res.run
            .error
            .clone()
            .unwrap()
            .contains("registered modes: amocrm_only, amocrm_radist, radist_only")
    );
}

#[tokio::test]
async fn a_failing_analyzer_falls_back_to_the_plain_summary() {
    let e = env("radist_only").await;
    let analyzer = Arc::new(FakeAnalyzer::failing());
    let adapters = Adapters {
        analyzer: Some(analyzer.clone()),
        ..e.adapters()
    };
    let res = e.run(&adapters).await;
    assert_eq!(res.run.state, RunState::Succeeded);
    let doc = res.report.clone().unwrap().document;
    assert!(doc.narrative.fallback);
    assert!(doc.narrative.text.contains("deals in the period"));
    assert_eq!(analyzer.requests().len(), 1);
    let events = e.events(&res).await;
    assert!(
        events
            .iter()
            .any(|ev| ev.event.step == "analyze" && ev.event.level == EventLevel::Warn)
    );
}

#[tokio::test]
async fn the_analyzer_sees_every_dialog_in_full() {
    let e = env("radist_only").await;
    let analyzer = Arc::new(FakeAnalyzer::new());
    let adapters = Adapters {
        analyzer: Some(analyzer.clone()),
        ..e.adapters()
    };
    let res = e.run(&adapters).await;
    let doc = res.report.clone().unwrap().document;
    assert!(!doc.narrative.fallback);
    assert_eq!(doc.narrative.provider.as_deref(), Some("fake_llm"));
    let ctx = &analyzer.requests()[0].context;
    let transcript_lines = ctx.lines().filter(|l| l.starts_with('[')).count() as u64;
    assert_eq!(transcript_lines, doc.summary.messages, "no dialog is cut");
}

#[tokio::test]
async fn delivery_splits_the_report_without_losing_text_and_marks_it_sent() {
    let e = env("amocrm_radist").await;
    let notifier = Arc::new(RecordingNotifier::new(300));
    let adapters = Adapters {
        delivery: Some(Delivery {
            notifier: notifier.clone(),
            destination: "-100123".into(),
        }),
        ..e.adapters()
    };
    let res = e.run(&adapters).await;
    let report = res.report.clone().unwrap();
    assert_eq!(report.status, synkro_core::model::ReportStatus::Sent);
    let sent = notifier.sent();
    assert!(sent.len() > 1, "a long report is split");
    assert_eq!(
        sent.iter().map(|m| m.text.as_str()).collect::<String>(),
        report.summary_text
    );
    assert!(
        sent.iter()
            .all(|m| m.destination == "-100123" && m.text.chars().count() <= 300)
    );
    let stored = e
        .store
        .report(e.tenant.id, report.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, synkro_core::model::ReportStatus::Sent);
}

#[tokio::test]
async fn a_failed_delivery_keeps_the_report_and_the_run_successful() {
    let e = env("radist_only").await;
    let adapters = Adapters {
        delivery: Some(Delivery {
            notifier: Arc::new(RecordingNotifier::failing(4096)),
            destination: "1".into(),
        }),
        ..e.adapters()
    };
    let res = e.run(&adapters).await;
    assert_eq!(res.run.state, RunState::Succeeded);
    let report = res.report.clone().unwrap();
    assert_eq!(report.status, synkro_core::model::ReportStatus::Failed);
    let events = e.events(&res).await;
    assert!(
        events
            .iter()
            .any(|ev| ev.event.step == "deliver" && ev.event.message.contains("not delivered"))
    );
}
