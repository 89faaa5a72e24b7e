//! [`ReportStore`]: reports of runs, their status, and the follow-up questions asked about them.

use async_trait::async_trait;
use synkro_core::error::StoreError;
use synkro_core::model::{
    Report, ReportId, ReportMessage, ReportStatus, RunId, TenantId, Timestamp, UserId, Window,
};
use synkro_core::store::{NewReport, ReportStore};

use super::reads::{by_id, children, newest};
use super::runs::run_in_tx;
use super::{DbRow, ThisStore, db, exec, get, js, not_found, opt_ts, req_ts, ts, un_js};
use crate::rows::{from_json, label, parse_label, to_json};

const REPORT_COLS: &str = "id, tenant_id, run_id, kind, status, period_start, period_end, \
    window_start, window_end, summary_text, document, created_at, followup_deadline_at";
const REPORTS: (&str, &str) = ("report", REPORT_COLS);
const MESSAGES: (&str, &str) = (
    "report_message",
    "report_id, tenant_id, actor, question, answer, at",
);

fn report_row(row: &DbRow) -> Result<Report, StoreError> {
    Ok(Report {
        id: ReportId(get(row, "id")?),
        tenant: TenantId(get(row, "tenant_id")?),
        run: RunId(get(row, "run_id")?),
        kind: parse_label("report.kind", &get::<String>(row, "kind")?)?,
        status: parse_label("report.status", &get::<String>(row, "status")?)?,
        period_start: get(row, "period_start")?,
        period_end: get(row, "period_end")?,
        window: Window {
            start: req_ts(row, "window_start")?,
            end: req_ts(row, "window_end")?,
        },
        summary_text: get(row, "summary_text")?,
        document: from_json("report.document", un_js(row, "document")?)?,
        created_at: req_ts(row, "created_at")?,
        followup_deadline_at: opt_ts(row, "followup_deadline_at")?,
    })
}

fn message_row(r: &DbRow) -> Result<ReportMessage, StoreError> {
    Ok(ReportMessage {
        report: ReportId(get(r, "report_id")?),
        tenant: TenantId(get(r, "tenant_id")?),
        actor: get::<Option<i64>>(r, "actor")?.map(UserId),
        question: get(r, "question")?,
        answer: get(r, "answer")?,
        at: req_ts(r, "at")?,
    })
}

#[async_trait]
impl ReportStore for ThisStore {
    async fn save_report(&self, r: &NewReport, now: Timestamp) -> Result<Report, StoreError> {
        let mut tx = self.begin_write().await?;
        run_in_tx(&mut tx, r.tenant, r.run).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO report (tenant_id, run_id, kind, status, period_start, period_end, window_start, \
             window_end, summary_text, document, created_at, followup_deadline_at) \
             VALUES ($1, $2, $3, 'ready', $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {REPORT_COLS}"
        )))
        .bind(r.tenant.0)
        .bind(r.run.0)
        .bind(label(&r.kind))
        .bind(r.document.period_start)
        .bind(r.document.period_end)
        .bind(ts(r.document.window.start))
        .bind(ts(r.document.window.end))
        .bind(&r.summary_text)
        .bind(js(to_json("report document", &r.document)?))
        .bind(ts(now))
        .bind(r.followup_deadline_at.map(ts))
        .fetch_one(&mut *tx)
        .await
        .map_err(db("save_report"))?;
        let report = report_row(&row)?;
        tx.commit().await.map_err(db("save_report"))?;
        Ok(report)
    }

    async fn report(&self, tenant: TenantId, id: ReportId) -> Result<Option<Report>, StoreError> {
        self.read_opt("report", by_id(REPORTS, tenant, id.0), report_row)
            .await
    }

    async fn reports(&self, tenant: TenantId, limit: u32) -> Result<Vec<Report>, StoreError> {
        self.read_all("reports", newest(REPORTS, tenant, limit), report_row)
            .await
    }

    async fn set_report_status(
        &self,
        tenant: TenantId,
        id: ReportId,
        status: ReportStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let q = sqlx::query("UPDATE report SET status = $1 WHERE id = $2 AND tenant_id = $3")
            .bind(label(&status))
            .bind(id.0)
            .bind(tenant.0);
        if exec(&mut tx, "set_report_status", q).await? == 0 {
            return Err(not_found(format!("report {id} of tenant {tenant}")));
        }
        tx.commit().await.map_err(db("set_report_status"))
    }

    async fn add_report_message(&self, msg: &ReportMessage) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let q = sqlx::query(
            "INSERT INTO report_message (report_id, tenant_id, actor, question, answer, at) \
             SELECT id, tenant_id, $3, $4, $5, $6 FROM report WHERE id = $1 AND tenant_id = $2",
        )
        .bind(msg.report.0)
        .bind(msg.tenant.0)
        .bind(msg.actor.map(|u| u.0))
        .bind(&msg.question)
        .bind(&msg.answer)
        .bind(ts(msg.at));
        if exec(&mut tx, "add_report_message", q).await? == 0 {
            return Err(not_found(format!(
                "report {} of tenant {}",
                msg.report, msg.tenant
            )));
        }
        tx.commit().await.map_err(db("add_report_message"))
    }

    async fn report_messages(
        &self,
        tenant: TenantId,
        report: ReportId,
    ) -> Result<Vec<ReportMessage>, StoreError> {
        let q = children(MESSAGES, ("report_id", report.0), tenant);
        self.read_all("report_messages", q, message_row).await
    }
}
