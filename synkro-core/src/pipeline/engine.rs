use std::sync::{Arc, Mutex};

use chrono::Duration;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::analyze::prompt::{DEFAULT_REPORT_PROMPT, report_context};
use crate::analyze::{Analyzer, SummaryRequest};
use crate::clock::{Clock, SystemClock};
use crate::error::{RunError, StoreError, chain};
use crate::model::{
    AuditEntry, JobRun, NewRun, NewRunEvent, Report, ReportKind, ReportStatus, RunId, RunOutcome,
    Tenant, TenantId, TenantRuntimeConfig, Timestamp, Trigger, UserId, Window,
};
use crate::notify::{Notifier, OutboundMessage, chunk_text};
use crate::pipeline::context::ContextState;
use crate::pipeline::normalize::PhoneBook;
use crate::pipeline::{Dialog, ModeRegistry, PipelineMode, RunContext};
use crate::report::{
    Narrative, REPORT_SCHEMA_VERSION, ReportDocument, SectionBuilder, SectionInput, SummaryNumbers,
    plain_narrative, to_markdown,
};
use crate::schedule::{
    last_closed_business_day, period_dates, validate_as_of, validate_forced_window,
};
use crate::source::{CrmSource, MessengerSource};
use crate::store::{CreateRun, NewReport, Store};

/// Where reports are delivered.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The notifier.
    pub notifier: Arc<dyn Notifier>,
    /// The destination (a chat id).
    pub destination: String,
}

/// The adapters built for a tenant's run. A mode fails its config step when one it needs is
/// missing; the analyzer and delivery are optional.
#[derive(Debug, Clone, Default)]
pub struct Adapters {
    /// The CRM source.
    pub crm: Option<Arc<dyn CrmSource>>,
    /// The messenger source.
    pub messenger: Option<Arc<dyn MessengerSource>>,
    /// The analyzer that writes the narrative; without one the plain summary is used.
    pub analyzer: Option<Arc<dyn Analyzer>>,
    /// Report delivery.
    pub delivery: Option<Delivery>,
}

impl Adapters {
    /// Both sources, with no analyzer and no delivery.
    #[must_use]
    pub fn sources(crm: Arc<dyn CrmSource>, messenger: Arc<dyn MessengerSource>) -> Self {
        Self {
            crm: Some(crm),
            messenger: Some(messenger),
            ..Self::default()
        }
    }
}

/// A request to queue a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerRequest {
    /// The tenant.
    pub tenant: TenantId,
    /// Why.
    pub trigger: Trigger,
    /// A forced window; `None` means the last closed business day.
    pub window: Option<Window>,
    /// The user asking.
    pub requested_by: Option<UserId>,
    /// The knowledge cut-off A (metrics.md C3); `None` means the instant the run starts. Events
    /// after A are ignored, so a re-run with the same A gives the same numbers; A after the
    /// window's end lets the items that start in the window (a wait, a speed-to-lead item, a
    /// missed-call episode) end after it. Checked by
    /// [`validate_as_of`](crate::schedule::validate_as_of); kept in the run's metadata (`as_of`)
    /// and part of its idempotency key.
    pub as_of: Option<Timestamp>,
}

impl TriggerRequest {
    /// A request for `tenant` with no forced window (the last closed business day), no user, and
    /// the run's start as its knowledge cut-off; set the other fields with struct update syntax.
    #[must_use]
    pub fn new(tenant: TenantId, trigger: Trigger) -> Self {
        Self {
            tenant,
            trigger,
            window: None,
            requested_by: None,
            as_of: None,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The run in its final state.
    pub run: JobRun,
    /// The report, when the run succeeded.
    pub report: Option<Report>,
}

/// Runs a tenant's pipeline mode for a window: config check, sync, dialogs, summary, analysis,
/// report, delivery. Each step writes a run event with progress; the run's cancellation token is
/// honoured between steps and between pages; a run whose step failed is never marked successful.
#[derive(Debug, Clone)]
pub struct Engine {
    store: Arc<dyn Store>,
    modes: ModeRegistry,
    sections: Vec<Arc<dyn SectionBuilder>>,
    clock: Arc<dyn Clock>,
    lookback: Duration,
    prompt: String,
}

/// Builds an [`Engine`].
#[derive(Debug)]
pub struct EngineBuilder {
    engine: Engine,
}

impl EngineBuilder {
    /// Replaces the mode registry (default: the built-ins).
    #[must_use]
    pub fn modes(mut self, modes: ModeRegistry) -> Self {
        self.engine.modes = modes;
        self
    }

    /// Adds a report section builder; sections appear in the order added.
    #[must_use]
    pub fn section(mut self, section: Arc<dyn SectionBuilder>) -> Self {
        self.engine.sections.push(section);
        self
    }

    /// Replaces the clock (default: the system clock).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.engine.clock = clock;
        self
    }

    /// How far before the window sources are read (default 10 minutes).
    #[must_use]
    pub fn lookback(mut self, lookback: Duration) -> Self {
        self.engine.lookback = lookback;
        self
    }

    /// The report prompt (default [`DEFAULT_REPORT_PROMPT`]).
    #[must_use]
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.engine.prompt = prompt.into();
        self
    }

    /// The engine.
    #[must_use]
    pub fn build(self) -> Engine {
        self.engine
    }
}

/// Progress values of the steps.
mod progress {
    pub(super) const CONFIG: u8 = 5;
    pub(super) const SYNC: u8 = 10;
    pub(super) const DIALOGS: u8 = 60;
    pub(super) const SUMMARY: u8 = 70;
    pub(super) const ANALYZE: u8 = 80;
    pub(super) const REPORT: u8 = 90;
    pub(super) const DELIVER: u8 = 95;
    pub(super) const COMPLETE: u8 = 100;
}

impl Engine {
    /// A builder over `store`.
    #[must_use]
    pub fn builder(store: Arc<dyn Store>) -> EngineBuilder {
        EngineBuilder {
            engine: Self {
                store,
                modes: ModeRegistry::with_builtins(),
                sections: Vec::new(),
                clock: Arc::new(SystemClock),
                lookback: Duration::minutes(10),
                prompt: DEFAULT_REPORT_PROMPT.to_owned(),
            },
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Queues a run: the last closed business day unless a window is given; a forced window is
    /// checked against the tenant's limits, and a requested `as_of` against the window and now. A
    /// second request for the same trigger, mode, window and `as_of` returns the existing run
    /// ([`CreateRun::Existing`]).
    ///
    /// # Errors
    /// [`RunError::InvalidWindow`] for a forced window outside the limits or an `as_of` before the
    /// window or in the future; [`RunError::Config`] for an invalid runtime config;
    /// [`RunError::Store`] (`NotFound` for an unknown tenant).
    pub async fn trigger(&self, req: &TriggerRequest) -> Result<CreateRun, RunError> {
        let (tenant, cfg) = self.tenant_config(req.tenant).await?;
        let now = self.clock.now();
        let window = match req.window {
            Some(w) => {
                if req.trigger == Trigger::Forced {
                    validate_forced_window(&w, &cfg, now)?;
                }
                Window::new(w.start, w.end)?
            }
            None => last_closed_business_day(cfg.timezone, cfg.business_day_start, now).1,
        };
        let mut idempotency_key =
            NewRun::idempotency_key_for(tenant.id, req.trigger, &cfg.mode, &window);
        let mut metadata = json!({});
        if let Some(as_of) = req.as_of {
            validate_as_of(&window, as_of, now)?;
            idempotency_key = format!("{idempotency_key}:as_of:{}", as_of.to_rfc3339());
            metadata = json!({ "as_of": as_of });
        }
        let new = NewRun {
            tenant: tenant.id,
            job_type: "report".to_owned(),
            mode: cfg.mode.clone(),
            trigger: req.trigger,
            window,
            requested_by: req.requested_by,
            idempotency_key,
            metadata,
        };
        let created = self.store.create_run(&new, now).await?;
        if let CreateRun::Created(run) = &created {
            self.audit(
                tenant.id,
                req.requested_by,
                "run.queued",
                format!("run {} queued", run.id),
                run,
            )
            .await?;
        }
        Ok(created)
    }

    /// Queues a run and executes it.
    ///
    /// # Errors
    /// As [`trigger`](Self::trigger) and [`execute`](Self::execute); an existing run that is not
    /// queued any more is returned as it is.
    pub async fn run(
        &self,
        req: &TriggerRequest,
        adapters: &Adapters,
        cancel: CancellationToken,
    ) -> Result<RunResult, RunError> {
        match self.trigger(req).await? {
            CreateRun::Created(run) => self.execute(run.tenant, run.id, adapters, cancel).await,
            CreateRun::Existing(run) if run.state == crate::model::RunState::Queued => {
                self.execute(run.tenant, run.id, adapters, cancel).await
            }
            CreateRun::Existing(run) => {
                let report = match run.report {
                    Some(id) => self.store.report(run.tenant, id).await?,
                    None => None,
                };
                Ok(RunResult { run, report })
            }
        }
    }

    /// Executes a queued run to its end. Step failures do not return an error: they end the run
    /// as failed (or cancelled), recorded in the store, and the returned [`RunResult`] says so.
    ///
    /// The run's phone book ([`RunContext::phones`]) starts from the tenant's persisted book for
    /// its `default_phone_region`, and a successful run saves the spellings it learned. Failing to
    /// load or to save that book is a `phones` warning event, never a failed run: the next run
    /// parses those spellings again.
    ///
    /// # Errors
    /// [`RunError::Store`] when the run is not queued or the store fails while recording the
    /// outcome.
    pub async fn execute(
        &self,
        tenant: TenantId,
        run: RunId,
        adapters: &Adapters,
        cancel: CancellationToken,
    ) -> Result<RunResult, RunError> {
        let now = self.clock.now();
        let Some(job) = self.store.start_run(tenant, run, now).await? else {
            return Err(StoreError::Conflict {
                what: format!("run {run} of tenant {tenant} is not queued"),
            }
            .into());
        };
        let current = Mutex::new("start".to_owned());
        self.store
            .record_event(
                tenant,
                run,
                &NewRunEvent::info("start", format!("run started, attempt {}", job.attempt))
                    .progress(0),
                now,
            )
            .await?;

        let outcome = self.steps(&job, adapters, cancel, &current).await;
        let step = current.lock().map(|s| s.clone()).unwrap_or_default();
        let now = self.clock.now();
        let (result, action, message) = match outcome {
            Ok(report) => {
                self.store
                    .record_event(
                        tenant,
                        run,
                        &NewRunEvent::info("complete", "run succeeded")
                            .progress(progress::COMPLETE),
                        now,
                    )
                    .await?;
                let done = self
                    .store
                    .finish_run(
                        tenant,
                        run,
                        &RunOutcome::Succeeded { report: report.id },
                        now,
                    )
                    .await?;
                (
                    RunResult {
                        run: done,
                        report: Some(report),
                    },
                    "run.succeeded",
                    format!("run {run} succeeded"),
                )
            }
            Err(RunError::Cancelled) => {
                let ev = NewRunEvent::warn(
                    "cancel",
                    format!("run cancelled during step `{step}`; no report was produced"),
                );
                self.store.record_event(tenant, run, &ev, now).await?;
                let done = self
                    .store
                    .finish_run(tenant, run, &RunOutcome::Cancelled, now)
                    .await?;
                (
                    RunResult {
                        run: done,
                        report: None,
                    },
                    "run.cancelled",
                    format!("run {run} cancelled"),
                )
            }
            Err(e) => {
                let message = match &e {
                    RunError::Source { .. } => chain(&e),
                    _ => format!("step `{step}` failed: {}", chain(&e)),
                };
                let ev = NewRunEvent::error(&step, &message)
                    .data(json!({ "error_kind": e.kind(), "retryable": e.is_retryable() }));
                self.store.record_event(tenant, run, &ev, now).await?;
                let outcome = RunOutcome::Failed {
                    kind: e.kind().to_owned(),
                    message: message.clone(),
                };
                let done = self.store.finish_run(tenant, run, &outcome, now).await?;
                (
                    RunResult {
                        run: done,
                        report: None,
                    },
                    "run.failed",
                    message,
                )
            }
        };
        self.audit(
            tenant,
            result.run.requested_by,
            action,
            message,
            &result.run,
        )
        .await?;
        Ok(result)
    }

    async fn tenant_config(&self, id: TenantId) -> Result<(Tenant, TenantRuntimeConfig), RunError> {
        let tenant = self
            .store
            .tenant(id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("tenant {id}"),
            })?;
        let cfg = self.store.runtime_config(id).await?.unwrap_or_default();
        cfg.validate()?;
        Ok((tenant, cfg))
    }

    async fn audit(
        &self,
        tenant: TenantId,
        actor: Option<UserId>,
        action: &str,
        message: String,
        run: &JobRun,
    ) -> Result<(), RunError> {
        let entry = AuditEntry {
            tenant,
            actor,
            action: action.to_owned(),
            message,
            metadata: json!({ "run": run.id, "mode": run.mode, "trigger": run.trigger, "window": run.window }),
            ip_address: None,
            at: self.clock.now(),
        };
        self.store.append_audit(&entry).await?;
        Ok(())
    }

    /// Marks the start of a step: polls the store's cancel flag, checks the token, writes the event.
    async fn begin(
        &self,
        cx: &RunContext,
        current: &Mutex<String>,
        step: &str,
        progress: u8,
        message: String,
    ) -> Result<(), RunError> {
        if let Ok(mut c) = current.lock() {
            step.clone_into(&mut c);
        }
        if self.store.cancel_requested(cx.tenant.id, cx.run).await? {
            cx.cancel.cancel();
        }
        cx.checkpoint().await?;
        cx.event(NewRunEvent::info(step, message).progress(progress))
            .await
    }

    async fn steps(
        &self,
        job: &JobRun,
        adapters: &Adapters,
        cancel: CancellationToken,
        current: &Mutex<String>,
    ) -> Result<Report, RunError> {
        if let Ok(mut c) = current.lock() {
            "config".clone_into(&mut c);
        }
        let (tenant, mut cfg) = self.tenant_config(job.tenant).await?;
        cfg.mode.clone_from(&job.mode);
        let mode = self.modes.get(&job.mode)?;
        let req = mode.requirements();
        if req.crm && adapters.crm.is_none() {
            return Err(RunError::MissingIntegration {
                mode: job.mode.clone(),
                kind: "crm".into(),
            });
        }
        if req.messenger && adapters.messenger.is_none() {
            return Err(RunError::MissingIntegration {
                mode: job.mode.clone(),
                kind: "messenger".into(),
            });
        }
        let (book, load_error) = self.load_phones(tenant.id, &cfg.default_phone_region).await;
        let phones = Mutex::new(book);
        let as_of = Self::as_of(job, self.clock.now())?;
        let cx = RunContext {
            tenant,
            config: cfg,
            run: job.id,
            window: job.window,
            as_of,
            lookback: self.lookback,
            crm: adapters.crm.clone().filter(|_| req.crm),
            messenger: adapters.messenger.clone().filter(|_| req.messenger),
            store: self.store.clone(),
            clock: self.clock.clone(),
            cancel,
            state: Mutex::new(ContextState::default()),
            phones,
        };
        let w = job.window;
        self.begin(
            &cx,
            current,
            "config",
            progress::CONFIG,
            format!(
                "configuration checked: mode `{}`, window {} – {}, as of {}",
                job.mode,
                w.start.to_rfc3339(),
                w.end.to_rfc3339(),
                as_of.to_rfc3339()
            ),
        )
        .await?;
        cx.event(Self::phones_loaded(&cx, load_error)).await?;

        self.begin(
            &cx,
            current,
            "sync",
            progress::SYNC,
            "syncing sources".into(),
        )
        .await?;
        mode.sync(&cx).await?;

        self.begin(
            &cx,
            current,
            "dialogs",
            progress::DIALOGS,
            "loading the window's dialogs".into(),
        )
        .await?;
        let dialogs = mode.dialogs(&cx).await?;
        cx.event(NewRunEvent::info("dialogs", format!("{} dialogs in the window", dialogs.len())).data(json!({
            "dialogs": dialogs.len(), "with_messages": dialogs.iter().filter(|d| d.has_messages()).count(),
        })))
        .await?;

        self.begin(
            &cx,
            current,
            "summary",
            progress::SUMMARY,
            "counting".into(),
        )
        .await?;
        let mut doc = self.document(&cx, mode.as_ref(), &dialogs).await?;

        self.begin(
            &cx,
            current,
            "analyze",
            progress::ANALYZE,
            "writing the analysis".into(),
        )
        .await?;
        doc.narrative = self
            .narrative(&cx, adapters.analyzer.as_deref(), &doc, &dialogs)
            .await?;

        self.begin(
            &cx,
            current,
            "report",
            progress::REPORT,
            "saving the report".into(),
        )
        .await?;
        let now = self.clock.now();
        let summary_text = to_markdown(&doc);
        let new = NewReport {
            tenant: cx.tenant.id,
            run: job.id,
            kind: if job.trigger == Trigger::Forced {
                ReportKind::Forced
            } else {
                ReportKind::Daily
            },
            document: doc,
            summary_text,
            followup_deadline_at: Some(
                now + Duration::minutes(i64::from(cx.config.telegram_followup_minutes)),
            ),
        };
        let mut report = self.store.save_report(&new, now).await?;

        if let Some(delivery) = &adapters.delivery {
            if let Ok(mut c) = current.lock() {
                "deliver".clone_into(&mut c);
            }
            cx.event(
                NewRunEvent::info(
                    "deliver",
                    format!("delivering through {}", delivery.notifier.backend()),
                )
                .progress(progress::DELIVER),
            )
            .await?;
            report.status = self.deliver(&cx, delivery, &report).await?;
            self.store
                .set_report_status(cx.tenant.id, report.id, report.status)
                .await?;
        }
        self.save_phones(&cx).await;
        Ok(report)
    }

    /// The tenant's persisted phone book for `region` ([`DataStore::phone_spellings`]), and the
    /// error that kept it from loading, if any: the run then starts with an empty book (and a
    /// warning, see [`phones_loaded`](Self::phones_loaded)) rather than failing, since the book
    /// only saves parsing.
    ///
    /// [`DataStore::phone_spellings`]: crate::store::DataStore::phone_spellings
    async fn load_phones(
        &self,
        tenant: crate::model::TenantId,
        region: &str,
    ) -> (PhoneBook, Option<StoreError>) {
        match self.store.phone_spellings(tenant, region).await {
            Ok(stored) => (PhoneBook::from_stored(region, stored), None),
            Err(e) => (PhoneBook::new(region), Some(e)),
        }
    }

    /// The `phones` event of the config step: how many spellings the run's book starts with, or
    /// a warning when the tenant's book could not be loaded.
    fn phones_loaded(cx: &RunContext, load_error: Option<StoreError>) -> NewRunEvent {
        let book = cx.phones();
        let region = book.region().to_owned();
        match load_error {
            None => NewRunEvent::info(
                "phones",
                format!(
                    "phone book: {} spellings known in region {region}",
                    book.len()
                ),
            )
            .data(json!({ "region": region, "phone_spellings": book.len() })),
            Some(e) => NewRunEvent::warn(
                "phones",
                format!(
                    "could not load the tenant's phone book ({}); every phone is parsed afresh in this run",
                    chain(&e)
                ),
            )
            .data(json!({ "region": region, "error_kind": e.kind() })),
        }
    }

    /// Saves the spellings the run's phone book learned ([`DataStore::save_phone_spellings`]), so
    /// the tenant's next runs do not parse them again. A failure is a warning event, never a
    /// failed run: the next run parses those spellings again.
    ///
    /// [`DataStore::save_phone_spellings`]: crate::store::DataStore::save_phone_spellings
    async fn save_phones(&self, cx: &RunContext) {
        let (region, added) = {
            let book = cx.phones();
            (book.region().to_owned(), book.added())
        };
        if added.is_empty() {
            return;
        }
        let event = match self
            .store
            .save_phone_spellings(cx.tenant.id, &region, &added)
            .await
        {
            Ok(saved) => NewRunEvent::info(
                "phones",
                format!("phone book: {saved} new spellings saved for region {region}"),
            )
            .data(json!({ "region": region, "saved": saved })),
            Err(e) => NewRunEvent::warn(
                "phones",
                format!(
                    "could not save {} new phone spellings ({}); the next run parses them again",
                    added.len(),
                    chain(&e)
                ),
            )
            .data(json!({ "region": region, "error_kind": e.kind() })),
        };
        if let Err(e) = cx.event(event).await {
            tracing::warn!(
                tenant = %cx.tenant.id,
                run = %cx.run,
                error = %chain(&e),
                "could not record the phone book's event"
            );
        }
    }

    /// The run's knowledge cut-off: the `as_of` its trigger asked for (in its metadata), else the
    /// instant it started (`now` for a run that has none).
    fn as_of(job: &JobRun, now: Timestamp) -> Result<Timestamp, RunError> {
        match job.metadata.get("as_of") {
            None | Some(serde_json::Value::Null) => Ok(job.started_at.unwrap_or(now)),
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
                crate::error::ConfigError::invalid(
                    "run metadata `as_of`",
                    format!("{e}; expected an RFC 3339 instant, or none for the run's start"),
                )
                .into()
            }),
        }
    }

    async fn document(
        &self,
        cx: &RunContext,
        mode: &dyn PipelineMode,
        dialogs: &[Dialog],
    ) -> Result<ReportDocument, RunError> {
        let tenant = cx.tenant.id;
        let pipelines = self.store.sales_pipelines(tenant).await?;
        let managers = self.store.managers(tenant).await?;
        let summary = SummaryNumbers::from_dialogs(dialogs, &pipelines, &managers, cx.as_of);
        let mut sections = Vec::with_capacity(self.sections.len());
        {
            // Sections are pure and synchronous: the phone book's guard is dropped before the
            // next `.await`.
            let phones = cx.phones();
            let input = SectionInput {
                tenant: &cx.tenant,
                config: &cx.config,
                window: &cx.window,
                as_of: cx.as_of,
                dialogs,
                pipelines: &pipelines,
                managers: &managers,
                phones: Some(&phones),
            };
            for b in &self.sections {
                let section = b.build(&input).map_err(|source| RunError::Step {
                    step: format!("report.section.{}", b.id()),
                    source,
                })?;
                sections.push(section);
            }
        }
        let (period_start, period_end) = period_dates(&cx.window, cx.config.timezone);
        let sources = std::mem::take(&mut cx.lock().sources);
        Ok(ReportDocument {
            schema_version: REPORT_SCHEMA_VERSION,
            tenant,
            tenant_name: cx.tenant.name.clone(),
            mode: mode.id().to_owned(),
            window: cx.window,
            timezone: cx.config.timezone.name().to_owned(),
            period_start,
            period_end,
            generated_at: self.clock.now(),
            narrative: Narrative {
                text: plain_narrative(&summary),
                provider: None,
                model: None,
                fallback: false,
            },
            summary,
            sources,
            sections,
        })
    }

    async fn narrative(
        &self,
        cx: &RunContext,
        analyzer: Option<&dyn Analyzer>,
        doc: &ReportDocument,
        dialogs: &[Dialog],
    ) -> Result<Narrative, RunError> {
        let plain = plain_narrative(&doc.summary);
        let Some(analyzer) = analyzer else {
            return Ok(Narrative {
                text: plain,
                provider: None,
                model: None,
                fallback: false,
            });
        };
        let req = SummaryRequest {
            prompt: self.prompt.clone(),
            context: report_context(doc, dialogs, cx.as_of),
        };
        let warning = match analyzer.summarize(&req).await {
            Ok(text) if !text.text.trim().is_empty() => {
                return Ok(Narrative {
                    text: text.text,
                    provider: Some(analyzer.backend().to_owned()),
                    model: Some(analyzer.model()),
                    fallback: false,
                });
            }
            Ok(_) => NewRunEvent::warn(
                "analyze",
                "the analyzer returned an empty text; using the plain summary",
            ),
            Err(e) => {
                NewRunEvent::warn("analyze", format!("{}; using the plain summary", chain(&e)))
                    .data(json!({ "error_kind": e.kind() }))
            }
        };
        cx.event(warning).await?;
        Ok(Narrative {
            text: plain,
            provider: Some(analyzer.backend().to_owned()),
            model: Some(analyzer.model()),
            fallback: true,
        })
    }

    async fn deliver(
        &self,
        cx: &RunContext,
        delivery: &Delivery,
        report: &Report,
    ) -> Result<ReportStatus, RunError> {
        let parts = chunk_text(
            &report.summary_text,
            delivery.notifier.limits().max_text_chars,
        );
        let total = parts.len();
        for (i, text) in parts.into_iter().enumerate() {
            let msg = OutboundMessage {
                destination: delivery.destination.clone(),
                text,
                reply_to: None,
            };
            if let Err(e) = delivery.notifier.send(&msg).await {
                cx.event(
                    NewRunEvent::warn(
                        "deliver",
                        format!("part {} of {total} not delivered: {}", i + 1, chain(&e)),
                    )
                    .data(json!({ "error_kind": e.kind(), "sent_parts": i, "parts": total })),
                )
                .await?;
                return Ok(ReportStatus::Failed);
            }
        }
        cx.event(
            NewRunEvent::info("deliver", format!("delivered in {total} parts"))
                .data(json!({ "parts": total })),
        )
        .await?;
        Ok(ReportStatus::Sent)
    }
}
