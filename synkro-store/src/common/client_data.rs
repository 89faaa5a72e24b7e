//! The client data layer's tables (`client_deal`, `client_report`), keyed by tenant slug.

use async_trait::async_trait;
use synkro_core::error::StoreError;

use super::{DbRow, ThisStore, db, exec, get, js, opt_ts, req_ts, ts, un_js};
use crate::client_data::{ClientDataSink, ClientDeal, ClientReport};

fn deal_row(r: &DbRow) -> Result<ClientDeal, StoreError> {
    Ok(ClientDeal {
        tenant_id: get(r, "tenant_id")?,
        deal_id: get(r, "deal_id")?,
        deal_name: get(r, "deal_name")?,
        status_id: get(r, "status_id")?,
        status_name: get(r, "status_name")?,
        responsible: get(r, "responsible")?,
        phone: get(r, "phone")?,
        chat_id: get(r, "chat_id")?,
        first_message_at: opt_ts(r, "first_message_at")?,
        last_message_at: opt_ts(r, "last_message_at")?,
        message_count: get(r, "message_count")?,
        deal_attributes: un_js(r, "deal_attributes")?,
        contact_attributes: un_js(r, "contact_attributes")?,
        raw_dialog: un_js(r, "raw_dialog")?,
        transcript: get(r, "transcript")?,
        updated_at: req_ts(r, "updated_at")?,
    })
}

fn report_row(r: &DbRow) -> Result<ClientReport, StoreError> {
    Ok(ClientReport {
        tenant_id: get(r, "tenant_id")?,
        source_report_id: get(r, "source_report_id")?,
        report_date: get(r, "report_date")?,
        kind: get(r, "type")?,
        text: get(r, "text")?,
        comment: get(r, "comment")?,
    })
}

#[async_trait]
impl ClientDataSink for ThisStore {
    async fn put_deals(&self, rows: &[ClientDeal]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for r in rows {
            let q = sqlx::query(
                "INSERT INTO client_deal (tenant_id, deal_id, deal_name, status_id, status_name, \
                 responsible, phone, chat_id, first_message_at, last_message_at, message_count, \
                 deal_attributes, contact_attributes, raw_dialog, transcript, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 ON CONFLICT (tenant_id, deal_id) DO UPDATE SET deal_name = excluded.deal_name, \
                 status_id = excluded.status_id, status_name = excluded.status_name, \
                 responsible = excluded.responsible, phone = excluded.phone, chat_id = excluded.chat_id, \
                 first_message_at = excluded.first_message_at, last_message_at = excluded.last_message_at, \
                 message_count = excluded.message_count, deal_attributes = excluded.deal_attributes, \
                 contact_attributes = excluded.contact_attributes, raw_dialog = excluded.raw_dialog, \
                 transcript = excluded.transcript, updated_at = excluded.updated_at",
            )
            .bind(&r.tenant_id)
            .bind(&r.deal_id)
            .bind(&r.deal_name)
            .bind(&r.status_id)
            .bind(&r.status_name)
            .bind(&r.responsible)
            .bind(&r.phone)
            .bind(&r.chat_id)
            .bind(r.first_message_at.map(ts))
            .bind(r.last_message_at.map(ts))
            .bind(r.message_count)
            .bind(js(r.deal_attributes.clone()))
            .bind(js(r.contact_attributes.clone()))
            .bind(js(r.raw_dialog.clone()))
            .bind(&r.transcript)
            .bind(ts(r.updated_at));
            exec(&mut tx, "put client deals", q).await?;
        }
        tx.commit().await.map_err(db("put client deals"))
    }

    async fn put_reports(&self, rows: &[ClientReport]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for r in rows {
            let q = sqlx::query(
                "INSERT INTO client_report (tenant_id, source_report_id, report_date, type, text, comment) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, source_report_id) DO UPDATE SET \
                 report_date = excluded.report_date, type = excluded.type, text = excluded.text, \
                 comment = excluded.comment",
            )
            .bind(&r.tenant_id)
            .bind(r.source_report_id)
            .bind(r.report_date)
            .bind(&r.kind)
            .bind(&r.text)
            .bind(&r.comment);
            exec(&mut tx, "put client reports", q).await?;
        }
        tx.commit().await.map_err(db("put client reports"))
    }
}

impl ThisStore {
    /// The client data layer's deal rows of a tenant (by slug), by deal id.
    ///
    /// # Errors
    /// Backend failures; [`StoreError::Corrupt`] for an undecodable row.
    pub async fn client_deals(&self, tenant_slug: &str) -> Result<Vec<ClientDeal>, StoreError> {
        let q = sqlx::query(
            "SELECT tenant_id, deal_id, deal_name, status_id, status_name, responsible, phone, chat_id, \
             first_message_at, last_message_at, message_count, deal_attributes, contact_attributes, \
             raw_dialog, transcript, updated_at FROM client_deal WHERE tenant_id = $1 ORDER BY deal_id",
        )
        .bind(tenant_slug);
        self.read_all("client_deals", q, deal_row).await
    }

    /// The client data layer's report rows of a tenant (by slug), by report id.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn client_reports(&self, tenant_slug: &str) -> Result<Vec<ClientReport>, StoreError> {
        let q = sqlx::query(
            "SELECT tenant_id, source_report_id, report_date, type, text, comment FROM client_report \
             WHERE tenant_id = $1 ORDER BY source_report_id",
        )
        .bind(tenant_slug);
        self.read_all("client_reports", q, report_row).await
    }
}
