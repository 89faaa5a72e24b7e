use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Duration;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::error::{RunError, chain};
use crate::model::{NewRunEvent, RunId, Tenant, TenantRuntimeConfig, Timestamp, Window};
use crate::pipeline::normalize::PhoneBook;
use crate::report::{SourceState, SourceStatus};
use crate::source::{CrmSource, MessengerSource};
use crate::store::{ApplyReport, Store, SyncBatch};

/// How a source's sync ended, as decided by [`RunContext::sync_source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceOutcome {
    /// Synced in this run.
    Fresh,
    /// Failed; the run goes on with data stored by an earlier run.
    Stale,
}

/// Everything a [`PipelineMode`](crate::pipeline::PipelineMode) may touch during a run: the tenant
/// and its config, the window and the knowledge cut-off, the sources, the store, the clock and the
/// cancellation token.
#[derive(Debug)]
pub struct RunContext {
    pub(crate) tenant: Tenant,
    pub(crate) config: TenantRuntimeConfig,
    pub(crate) run: RunId,
    pub(crate) window: Window,
    pub(crate) as_of: Timestamp,
    pub(crate) lookback: Duration,
    pub(crate) crm: Option<Arc<dyn CrmSource>>,
    pub(crate) messenger: Option<Arc<dyn MessengerSource>>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) cancel: CancellationToken,
    pub(crate) state: Mutex<ContextState>,
    /// Phones normalized for this run (linking, attaching calls, metrics), in the tenant's region:
    /// the tenant's persisted book and what the run learned.
    pub(crate) phones: Mutex<PhoneBook>,
}

#[derive(Debug, Default)]
pub(crate) struct ContextState {
    pub(crate) sources: Vec<SourceStatus>,
    pub(crate) applied: BTreeMap<String, ApplyReport>,
}

impl RunContext {
    /// The tenant.
    #[must_use]
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The tenant's runtime config for this run.
    #[must_use]
    pub fn config(&self) -> &TenantRuntimeConfig {
        &self.config
    }

    /// The run's phone book: phones normalized in the tenant's `default_phone_region`, each
    /// spelling parsed once per run however many steps (linking, attaching calls, metrics) meet
    /// it. The engine starts it from the tenant's persisted book
    /// ([`DataStore::phone_spellings`](crate::store::DataStore::phone_spellings)) and saves the
    /// spellings it learned ([`PhoneBook::added`]) at the end of a successful run; a failure to
    /// load or save the book is a warning event, not a failed run. Do not hold the guard across
    /// an `.await`.
    pub fn phones(&self) -> MutexGuard<'_, PhoneBook> {
        self.phones
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `raw` normalized to E.164 with the run's [`phones`](Self::phones) book (see
    /// [`normalize::phone`](crate::pipeline::normalize::phone)).
    #[must_use]
    pub fn phone(&self, raw: &str) -> Option<String> {
        self.phones().get(raw).map(str::to_owned)
    }

    /// The run.
    #[must_use]
    pub fn run_id(&self) -> RunId {
        self.run
    }

    /// The report window.
    #[must_use]
    pub fn window(&self) -> &Window {
        &self.window
    }

    /// The run's knowledge cut-off A (metrics.md C3): what happened after it is not read into the
    /// run's dialogs and is ignored by the metrics. The trigger's `as_of`
    /// ([`TriggerRequest::as_of`](crate::pipeline::TriggerRequest::as_of)), else the instant the
    /// run started. It may lie after the window's end: the items that start in the window (a
    /// wait, a session, a lead's speed to lead, a missed-call episode) then end with what
    /// happened up to it. Before the window's end, the window's data after it is ignored.
    #[must_use]
    pub fn as_of(&self) -> Timestamp {
        self.as_of
    }

    /// What a run reads after its window: [to, A] as the half-open window [to, A + 1 µs), or
    /// `None` when A is before the window's end. Calls, stage changes and CRM activities in it go
    /// to [`Dialog::after`](crate::pipeline::Dialog::after).
    #[must_use]
    pub fn after_window(&self) -> Option<Window> {
        Window::new(self.window.end, self.as_of + Duration::microseconds(1)).ok()
    }

    /// The range the built-in modes read messages over: the window, extended forward to A (see
    /// [`after_window`](Self::after_window)) but no further than the metrics' horizon after the
    /// window's end, `max(wait_expiry, stl_expiry, callback_expiry) + session_gap` (the settings
    /// in `metadata.metrics`, 8 days by default): by then every wait, speed-to-lead item and
    /// missed-call episode that starts in the window has ended, so a report on an old window
    /// does not read every message written since. Only the end of a session still running then
    /// is left unknown.
    #[must_use]
    pub fn message_range(&self) -> Window {
        let cfg = crate::analytics::MetricsConfig::from_metadata(&self.config.metadata)
            .unwrap_or_default();
        let horizon = cfg
            .wait_expiry
            .max(cfg.stl_expiry)
            .max(cfg.callback_expiry)
            .saturating_add(cfg.session_gap);
        let cap =
            Duration::try_seconds(horizon).and_then(|h| self.window.end.checked_add_signed(h));
        let end = self
            .after_window()
            .map_or(self.window.end, |after| match cap {
                Some(cap) => after.end.min(cap),
                None => after.end,
            });
        Window {
            start: self.window.start,
            end,
        }
    }

    /// The range sources are read over: the window widened backwards by the engine's lookback,
    /// so entities updated just before the window (clock skew, late commits) are caught, and
    /// forwards to now, because an update time only moves forward: a deal worked on in the window
    /// and touched again since carries today's update time, and a report on a past window must
    /// still see it. The CRM's calls, changes and activities after the window up to A (never
    /// after now) come with it.
    #[must_use]
    pub fn read_range(&self) -> Window {
        Window {
            start: self.window.start - self.lookback,
            end: self.window.end.max(self.now()),
        }
    }

    /// The CRM source.
    ///
    /// # Errors
    /// [`RunError::MissingIntegration`] when the run has none.
    pub fn crm(&self) -> Result<&Arc<dyn CrmSource>, RunError> {
        self.crm.as_ref().ok_or_else(|| self.missing("crm"))
    }

    /// The messenger source.
    ///
    /// # Errors
    /// [`RunError::MissingIntegration`] when the run has none.
    pub fn messenger(&self) -> Result<&Arc<dyn MessengerSource>, RunError> {
        self.messenger
            .as_ref()
            .ok_or_else(|| self.missing("messenger"))
    }

    fn missing(&self, kind: &str) -> RunError {
        RunError::MissingIntegration {
            mode: self.config.mode.clone(),
            kind: kind.to_owned(),
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The current instant.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The cancellation point: call it before every page request and between units of work.
    ///
    /// # Errors
    /// [`RunError::Cancelled`] once the run has been stopped.
    pub async fn checkpoint(&self) -> Result<(), RunError> {
        if self.cancel.is_cancelled() {
            return Err(RunError::Cancelled);
        }
        tokio::task::yield_now().await;
        Ok(())
    }

    /// Appends an event to the run's step log.
    ///
    /// # Errors
    /// [`RunError::Store`] when the store fails.
    pub async fn event(&self, event: NewRunEvent) -> Result<(), RunError> {
        self.store
            .record_event(self.tenant.id, self.run, &event, self.now())
            .await?;
        Ok(())
    }

    /// Writes what was read from `source` (idempotent, newer wins) and counts it for the run's
    /// summary.
    ///
    /// # Errors
    /// [`RunError::Store`] when the store fails.
    pub async fn apply(&self, source: &str, batch: &SyncBatch) -> Result<ApplyReport, RunError> {
        if batch.is_empty() {
            return Ok(ApplyReport::default());
        }
        let report = self.store.apply(self.tenant.id, source, batch).await?;
        *self.lock().applied.entry(source.to_owned()).or_default() += report;
        Ok(report)
    }

    /// Runs the sync of one source under the failing-source policy:
    ///
    /// - success: the source is marked synced now, and reported fresh;
    /// - [`RunError::Source`] with stored data from an earlier sync: a warning event names the
    ///   step and the error, the report will state which source failed and how stale its data
    ///   is, and the run goes on ([`SourceOutcome::Stale`]);
    /// - [`RunError::Source`] with nothing stored: the error is returned and fails the run;
    /// - any other error (cancellation, store failure) is returned as is.
    ///
    /// # Errors
    /// As above.
    pub async fn sync_source<F>(&self, source: &str, fut: F) -> Result<SourceOutcome, RunError>
    where
        F: Future<Output = Result<(), RunError>> + Send,
    {
        let step = format!("sync.{source}");
        match fut.await {
            Ok(()) => {
                let now = self.now();
                self.store.record_sync(self.tenant.id, source, now).await?;
                let counts = self.lock().applied.get(source).copied().unwrap_or_default();
                let message = format!(
                    "{source} synced: {} new, {} updated, {} unchanged records",
                    counts.inserted, counts.updated, counts.unchanged
                );
                self.event(NewRunEvent::info(&step, message).data(json!({
                    "inserted": counts.inserted, "updated": counts.updated, "unchanged": counts.unchanged,
                })))
                .await?;
                self.push_status(source, &step, SourceState::Fresh, Some(now));
                Ok(SourceOutcome::Fresh)
            }
            Err(RunError::Source {
                step: failed_step,
                source: err,
            }) => {
                let last = self.store.last_sync(self.tenant.id, source).await?;
                let Some(last) = last else {
                    return Err(RunError::Source {
                        step: failed_step,
                        source: err,
                    });
                };
                let message = chain(&err);
                self.event(
                    NewRunEvent::warn(
                        &failed_step,
                        format!("{message}; continuing on data stored at the last successful sync ({last})"),
                    )
                    .data(json!({ "error_kind": err.kind(), "last_synced_at": last })),
                )
                .await?;
                self.push_status(
                    source,
                    &failed_step,
                    SourceState::Failed {
                        error_kind: err.kind().to_owned(),
                        error: message,
                    },
                    Some(last),
                );
                Ok(SourceOutcome::Stale)
            }
            Err(other) => Err(other),
        }
    }

    fn push_status(&self, source: &str, step: &str, state: SourceState, last: Option<Timestamp>) {
        let now = self.now();
        let status = SourceStatus {
            source: source.to_owned(),
            step: step.to_owned(),
            state,
            last_synced_at: last,
            stale_for_s: last.map(|t| (now - t).num_seconds().max(0)),
        };
        self.lock().sources.push(status);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, ContextState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::clock::ManualClock;
    use crate::model::TenantStatus;
    use crate::store::{MemoryStore, NewTenant, TenantStore};

    /// A context over a fresh memory store with one tenant, for unit tests of modes and sync
    /// helpers. The window is 2026-03-10 (UTC), "now" and A are the window's end.
    pub(crate) async fn context(
        crm: Option<Arc<dyn CrmSource>>,
        messenger: Option<Arc<dyn MessengerSource>>,
    ) -> RunContext {
        let store = Arc::new(MemoryStore::new());
        let tenant = store
            .create_tenant(&NewTenant {
                name: "Test".into(),
                slug: "test".into(),
                status: TenantStatus::Active,
                timezone: chrono_tz::UTC,
            })
            .await
            .expect("a fresh store accepts a tenant");
        let window = Window {
            start: "2026-03-10T00:00:00Z".parse().expect("valid instant"),
            end: "2026-03-11T00:00:00Z".parse().expect("valid instant"),
        };
        RunContext {
            tenant,
            config: TenantRuntimeConfig::default(),
            run: RunId(1),
            window,
            as_of: window.end,
            lookback: Duration::minutes(10),
            crm,
            messenger,
            store,
            clock: Arc::new(ManualClock::new(window.end)),
            cancel: CancellationToken::new(),
            state: Mutex::new(ContextState::default()),
            phones: Mutex::new(PhoneBook::new(
                &TenantRuntimeConfig::default().default_phone_region,
            )),
        }
    }

    /// Creates the run `cx` names, so events can be recorded against it.
    pub(crate) async fn with_run(cx: &RunContext) {
        let run = cx
            .store()
            .create_run(
                &crate::model::NewRun {
                    tenant: cx.tenant().id,
                    job_type: "report".into(),
                    mode: "test".into(),
                    trigger: crate::model::Trigger::Manual,
                    window: *cx.window(),
                    requested_by: None,
                    idempotency_key: format!("test-run-{}", cx.run_id().0),
                    metadata: serde_json::Value::Null,
                },
                cx.now(),
            )
            .await
            .expect("the store accepts a run");
        assert_eq!(run.run().id, cx.run_id(), "the context's run exists");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::context;
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("valid instant")
    }

    #[tokio::test]
    async fn messages_are_read_after_the_window_up_to_a_but_not_past_the_metrics_horizon() {
        let mut cx = context(None, None).await;
        let window = *cx.window();
        // A before the window's end: the window only, nothing after it.
        cx.as_of = at("2026-03-10T18:00:00Z");
        assert_eq!(cx.after_window(), None);
        assert_eq!(cx.message_range(), window);
        // A the next morning: [to, A] after it, and messages up to A.
        cx.as_of = at("2026-03-11T06:00:00Z");
        let after = Window {
            start: window.end,
            end: at("2026-03-11T06:00:00.000001Z"),
        };
        assert_eq!(cx.after_window(), Some(after));
        assert_eq!(cx.message_range().end, after.end);
        // A a month later: CRM items up to A, messages up to the horizon, max(7 d expiries) + 1 d
        // session gap by default.
        cx.as_of = at("2026-04-11T00:00:00Z");
        assert_eq!(
            cx.after_window().map(|w| w.end),
            Some(at("2026-04-11T00:00:00.000001Z"))
        );
        assert_eq!(cx.message_range().end, at("2026-03-19T00:00:00Z"));
        // The horizon follows the tenant's metrics settings.
        cx.config.metadata = serde_json::json!({"metrics": {
            "wait_expiry": 172_800, "stl_expiry": 86_400, "callback_expiry": 86_400,
            "session_gap": 3_600,
        }});
        assert_eq!(cx.message_range().end, at("2026-03-13T01:00:00Z"));
    }
}
