//! [`RunStore`]: job runs from queued to finished, their events and cancel requests.

use async_trait::async_trait;
use synkro_core::error::StoreError;
use synkro_core::model::{
    JobRun, NewRun, NewRunEvent, ReportId, RunEvent, RunId, RunOutcome, RunState, TenantId,
    Timestamp, UserId, Window,
};
use synkro_core::store::{CreateRun, RunStore};

use super::reads::{by_id, children, newest};
use super::{
    DbRow, ThisStore, TsCol, Tx, db, exec, get, js, not_found, opt_ts, req_ts, tenant_exists, ts,
    u8_of, un_js,
};
use crate::rows::{label, parse_label};

const RUN_COLS: &str = "id, tenant_id, job_type, mode, trigger, state, current_step, progress, \
    error_kind, error, window_start, window_end, requested_by, idempotency_key, attempt, metadata, \
    report_id, created_at, started_at, finished_at";
const RUNS: (&str, &str) = ("job_run", RUN_COLS);
const EVENTS: (&str, &str) = (
    "job_run_event",
    "id, run_id, tenant_id, at, level, step, message, progress, data",
);

fn run_row(row: &DbRow) -> Result<JobRun, StoreError> {
    Ok(JobRun {
        id: RunId(get(row, "id")?),
        tenant: TenantId(get(row, "tenant_id")?),
        job_type: get(row, "job_type")?,
        mode: get(row, "mode")?,
        trigger: parse_label("job_run.trigger", &get::<String>(row, "trigger")?)?,
        state: parse_label("job_run.state", &get::<String>(row, "state")?)?,
        current_step: get(row, "current_step")?,
        progress: u8_of(get(row, "progress")?),
        error_kind: get(row, "error_kind")?,
        error: get(row, "error")?,
        window: Window {
            start: req_ts(row, "window_start")?,
            end: req_ts(row, "window_end")?,
        },
        requested_by: get::<Option<i64>>(row, "requested_by")?.map(UserId),
        idempotency_key: get(row, "idempotency_key")?,
        attempt: u32::try_from(get::<i32>(row, "attempt")?).unwrap_or(0),
        metadata: un_js(row, "metadata")?,
        report: get::<Option<i64>>(row, "report_id")?.map(ReportId),
        created_at: req_ts(row, "created_at")?,
        started_at: opt_ts(row, "started_at")?,
        finished_at: opt_ts(row, "finished_at")?,
    })
}

fn event_row(r: &DbRow) -> Result<RunEvent, StoreError> {
    Ok(RunEvent {
        id: get(r, "id")?,
        run: RunId(get(r, "run_id")?),
        tenant: TenantId(get(r, "tenant_id")?),
        at: req_ts(r, "at")?,
        event: NewRunEvent {
            level: parse_label("job_run_event.level", &get::<String>(r, "level")?)?,
            step: get(r, "step")?,
            message: get(r, "message")?,
            progress: get::<Option<i32>>(r, "progress")?.map(u8_of),
            data: un_js(r, "data")?,
        },
    })
}

/// Run `id` of `tenant`, read inside `tx`; `NotFound` when there is none.
pub(super) async fn run_in_tx(
    tx: &mut Tx,
    tenant: TenantId,
    id: RunId,
) -> Result<JobRun, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLS} FROM job_run WHERE id = $1 AND tenant_id = $2"
    )))
    .bind(id.0)
    .bind(tenant.0)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db("run lookup"))?
    .ok_or_else(|| not_found(format!("run {id} of tenant {tenant}")))?;
    run_row(&row)
}

#[async_trait]
impl RunStore for ThisStore {
    async fn create_run(&self, run: &NewRun, now: Timestamp) -> Result<CreateRun, StoreError> {
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, run.tenant).await?;
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLS} FROM job_run WHERE idempotency_key = $1"
        )))
        .bind(&run.idempotency_key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("create_run"))?;
        if let Some(row) = existing {
            return Ok(CreateRun::Existing(run_row(&row)?));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO job_run (tenant_id, job_type, mode, trigger, state, progress, window_start, \
             window_end, requested_by, idempotency_key, attempt, metadata, created_at) \
             VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8, 0, $9, $10) RETURNING {RUN_COLS}"
        )))
        .bind(run.tenant.0)
        .bind(&run.job_type)
        .bind(&run.mode)
        .bind(run.trigger.as_str())
        .bind(ts(run.window.start))
        .bind(ts(run.window.end))
        .bind(run.requested_by.map(|u| u.0))
        .bind(&run.idempotency_key)
        .bind(js(run.metadata.clone()))
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db("create_run"))?;
        let job = run_row(&row)?;
        tx.commit().await.map_err(db("create_run"))?;
        Ok(CreateRun::Created(job))
    }

    async fn run(&self, tenant: TenantId, id: RunId) -> Result<Option<JobRun>, StoreError> {
        self.read_opt("run", by_id(RUNS, tenant, id.0), run_row)
            .await
    }

    async fn runs(&self, tenant: TenantId, limit: u32) -> Result<Vec<JobRun>, StoreError> {
        self.read_all("runs", newest(RUNS, tenant, limit), run_row)
            .await
    }

    async fn start_run(
        &self,
        tenant: TenantId,
        id: RunId,
        now: Timestamp,
    ) -> Result<Option<JobRun>, StoreError> {
        let mut tx = self.begin_write().await?;
        run_in_tx(&mut tx, tenant, id).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE job_run SET state = 'running', attempt = attempt + 1, \
             started_at = coalesce(started_at, $3) \
             WHERE id = $1 AND tenant_id = $2 AND state = 'queued' RETURNING {RUN_COLS}"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("start_run"))?;
        let run = row.as_ref().map(run_row).transpose()?;
        tx.commit().await.map_err(db("start_run"))?;
        Ok(run)
    }

    async fn record_event(
        &self,
        tenant: TenantId,
        run: RunId,
        event: &NewRunEvent,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let job = run_in_tx(&mut tx, tenant, run).await?;
        let q = sqlx::query(
            "INSERT INTO job_run_event (run_id, tenant_id, at, level, step, message, progress, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(run.0)
        .bind(tenant.0)
        .bind(ts(now))
        .bind(label(&event.level))
        .bind(&event.step)
        .bind(&event.message)
        .bind(event.progress.map(i32::from))
        .bind(js(event.data.clone()));
        exec(&mut tx, "record_event", q).await?;
        if event.progress.is_some() || job.current_step.is_none() {
            let progress = event.progress.map_or(job.progress, |p| job.progress.max(p));
            let q = sqlx::query(
                "UPDATE job_run SET current_step = $1, progress = $2 WHERE id = $3 AND tenant_id = $4",
            )
            .bind(&event.step)
            .bind(i32::from(progress))
            .bind(run.0)
            .bind(tenant.0);
            exec(&mut tx, "record_event", q).await?;
        }
        tx.commit().await.map_err(db("record_event"))
    }

    async fn run_events(&self, tenant: TenantId, run: RunId) -> Result<Vec<RunEvent>, StoreError> {
        let q = children(EVENTS, ("run_id", run.0), tenant);
        self.read_all("run_events", q, event_row).await
    }

    async fn finish_run(
        &self,
        tenant: TenantId,
        id: RunId,
        outcome: &RunOutcome,
        now: Timestamp,
    ) -> Result<JobRun, StoreError> {
        let mut tx = self.begin_write().await?;
        let run = run_in_tx(&mut tx, tenant, id).await?;
        if run.state != RunState::Running {
            return Err(StoreError::Conflict {
                what: format!("run {id} is {:?}, not running", run.state),
            });
        }
        let (report, kind, message, progress) = match outcome {
            RunOutcome::Succeeded { report } => (Some(report.0), None, None, 100),
            RunOutcome::Failed { kind, message } => (
                None,
                Some(kind.clone()),
                Some(message.clone()),
                run.progress,
            ),
            _ => (None, None, None, run.progress),
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE job_run SET state = $1, finished_at = $2, report_id = coalesce($3, report_id), \
             error_kind = coalesce($4, error_kind), error = coalesce($5, error), progress = $6 \
             WHERE id = $7 AND tenant_id = $8 RETURNING {RUN_COLS}"
        )))
        .bind(label(&outcome.state()))
        .bind(ts(now))
        .bind(report)
        .bind(kind)
        .bind(message)
        .bind(i32::from(progress))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("finish_run"))?;
        let run = run_row(&row)?;
        tx.commit().await.map_err(db("finish_run"))?;
        Ok(run)
    }

    async fn request_cancel(
        &self,
        tenant: TenantId,
        id: RunId,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<RunState, StoreError> {
        let mut tx = self.begin_write().await?;
        let run = run_in_tx(&mut tx, tenant, id).await?;
        // A queued run is cancelled at once; a running one is flagged (the first request wins).
        let (sql, state) = match run.state {
            RunState::Queued => (
                "UPDATE job_run SET state = 'cancelled', finished_at = $1, \
                 cancel_requested_at = $1, cancel_requested_by = $2 WHERE id = $3 AND tenant_id = $4",
                RunState::Cancelled,
            ),
            RunState::Running => (
                "UPDATE job_run SET cancel_requested_at = coalesce(cancel_requested_at, $1), \
                 cancel_requested_by = coalesce(cancel_requested_by, $2) WHERE id = $3 AND tenant_id = $4",
                RunState::Running,
            ),
            other => {
                tx.commit().await.map_err(db("request_cancel"))?;
                return Ok(other);
            }
        };
        let q = sqlx::query(sql)
            .bind(ts(now))
            .bind(by.map(|u| u.0))
            .bind(id.0)
            .bind(tenant.0);
        exec(&mut tx, "request_cancel", q).await?;
        tx.commit().await.map_err(db("request_cancel"))?;
        Ok(state)
    }

    async fn cancel_requested(&self, tenant: TenantId, id: RunId) -> Result<bool, StoreError> {
        let v: Option<Option<TsCol>> = sqlx::query_scalar(
            "SELECT cancel_requested_at FROM job_run WHERE id = $1 AND tenant_id = $2",
        )
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(self.reader())
        .await
        .map_err(db("cancel_requested"))?;
        match v {
            None => Err(not_found(format!("run {id} of tenant {tenant}"))),
            Some(at) => Ok(at.is_some()),
        }
    }
}
