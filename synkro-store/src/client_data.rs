//! The old service's client data layer: one row per deal with its dialog (`client_deal`, the
//! client's `deals` table) and the reports (`client_report`, the client's `reports` table).
//!
//! Rows are built from the [`Dialog`]s a mode produced ([`ClientDeal::from_dialog`]) and from
//! stored [`Report`]s ([`ClientReport::from_report`]), then written to any [`ClientDataSink`]: the
//! SQL stores (so the layer is readable in PostgreSQL or SQLite directly) and, with the `supabase`
//! feature, a client's Supabase project over its REST API.

use std::fmt;

use async_trait::async_trait;
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use synkro_core::error::StoreError;
use synkro_core::model::{
    AuthorKind, Direction, Manager, Message, Report, SalesPipeline, Timestamp,
};
use synkro_core::pipeline::Dialog;
use synkro_core::pipeline::normalize;

/// One row of the client's `deals` table: a deal and its whole dialog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientDeal {
    /// The tenant's slug (the client data layer's tenant id).
    pub tenant_id: String,
    /// The deal's id in its source.
    pub deal_id: String,
    /// The deal's name.
    pub deal_name: String,
    /// Stage (amoCRM status) id.
    pub status_id: Option<String>,
    /// Stage name, from the stored sales pipelines.
    pub status_name: Option<String>,
    /// The responsible manager's name (or id when the name is unknown).
    pub responsible: Option<String>,
    /// The linked chat's phone, or the deal's first phone, in E.164.
    pub phone: Option<String>,
    /// The linked chat.
    pub chat_id: Option<String>,
    /// First message of the dialog.
    pub first_message_at: Option<Timestamp>,
    /// Last message of the dialog.
    pub last_message_at: Option<Timestamp>,
    /// Messages in the dialog.
    pub message_count: i32,
    /// The deal's fields (JSON).
    pub deal_attributes: serde_json::Value,
    /// The deal's contacts (JSON array).
    pub contact_attributes: serde_json::Value,
    /// The messenger messages as stored (JSON array, oldest first).
    pub raw_dialog: serde_json::Value,
    /// One line per message: local time, `client` or `agent`, text, attached file names.
    pub transcript: String,
    /// When this row was built.
    pub updated_at: Timestamp,
}

/// One row of the client's `reports` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientReport {
    /// The tenant's slug.
    pub tenant_id: String,
    /// The report's id in Synkro.
    pub source_report_id: i64,
    /// The local date the report covers (its last day).
    pub report_date: NaiveDate,
    /// `daily`, `weekly` or `monthly`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The report text.
    pub text: String,
    /// A note, e.g. that the AI fell back to the plain summary.
    pub comment: Option<String>,
}

/// The transcript line of one message: `2026-03-10 14:05 client: text [files: a.pdf]`, in the
/// tenant's zone. Bots and staff are `agent`; service messages are left out.
#[must_use]
pub fn transcript_line(m: &Message, tz: Tz) -> Option<String> {
    let role = match m.author_kind {
        AuthorKind::System => return None,
        AuthorKind::Client => "client",
        AuthorKind::Manager | AuthorKind::Bot => "agent",
        _ if m.direction == Direction::Inbound => "client",
        _ => "agent",
    };
    let local = m.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M");
    let text = m
        .text
        .as_deref()
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let files: Vec<&str> = m
        .attachments
        .iter()
        .filter_map(|a| a.name.as_deref())
        .collect();
    let mut line = format!("{local} {role}: {text}");
    if !files.is_empty() {
        if !text.is_empty() {
            line.push(' ');
        }
        line.push_str(&format!("[files: {}]", files.join(", ")));
    }
    Some(line.trim_end().to_owned())
}

impl ClientDeal {
    /// Builds the row of one dialog. `pipelines` and `managers` name stages and the responsible
    /// manager; `region` reads phones written without a country code.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if the dialog cannot be turned into JSON.
    pub fn from_dialog(
        tenant_slug: &str,
        dialog: &Dialog,
        tz: Tz,
        pipelines: &[SalesPipeline],
        managers: &[Manager],
        region: &str,
        now: Timestamp,
    ) -> Result<Self, StoreError> {
        let deal = &dialog.deal;
        let status_name = deal.stage.as_ref().and_then(|s| {
            pipelines
                .iter()
                .filter(|p| deal.pipeline.as_ref().is_none_or(|id| &p.id == id))
                .find_map(|p| p.stage(s))
                .map(|s| s.name.clone())
        });
        let responsible = deal.responsible.as_ref().map(|id| {
            managers
                .iter()
                .find(|m| &m.id == id)
                .map_or_else(|| id.to_string(), |m| m.name.clone())
        });
        let phone = dialog
            .chat
            .as_ref()
            .and_then(|c| c.phone.as_deref())
            .into_iter()
            .chain(deal.phones.iter().map(String::as_str))
            .chain(
                dialog
                    .contacts
                    .iter()
                    .flat_map(|c| c.phones.iter().map(String::as_str)),
            )
            .find_map(|p| normalize::phone(p, region));
        let json = |what: &str, v: serde_json::Result<serde_json::Value>| {
            v.map_err(|e| StoreError::Corrupt {
                what: format!("client deal {}: {what}: {e}", deal.id),
            })
        };
        Ok(Self {
            tenant_id: tenant_slug.to_owned(),
            deal_id: deal.id.to_string(),
            deal_name: deal.name.clone(),
            status_id: deal.stage.as_ref().map(ToString::to_string),
            status_name,
            responsible,
            phone,
            chat_id: dialog.chat.as_ref().map(|c| c.id.to_string()),
            first_message_at: dialog.messages.iter().map(|m| m.created_at).min(),
            last_message_at: dialog.messages.iter().map(|m| m.created_at).max(),
            message_count: i32::try_from(dialog.messages.len()).unwrap_or(i32::MAX),
            deal_attributes: json("deal", serde_json::to_value(deal))?,
            contact_attributes: json("contacts", serde_json::to_value(&dialog.contacts))?,
            raw_dialog: json("messages", serde_json::to_value(&dialog.messages))?,
            transcript: dialog
                .messages
                .iter()
                .filter_map(|m| transcript_line(m, tz))
                .collect::<Vec<_>>()
                .join("\n"),
            updated_at: now,
        })
    }
}

impl ClientReport {
    /// The row of a stored report.
    #[must_use]
    pub fn from_report(tenant_slug: &str, report: &Report) -> Self {
        Self {
            tenant_id: tenant_slug.to_owned(),
            source_report_id: report.id.0,
            report_date: report.period_end,
            kind: "daily".to_owned(),
            text: report.summary_text.clone(),
            comment: report
                .document
                .narrative
                .fallback
                .then(|| "plain summary: the AI analysis was not available".to_owned()),
        }
    }
}

/// Where the client data layer is written. Upserts: a row replaces the row with the same
/// (tenant, deal) or (tenant, report).
#[async_trait]
pub trait ClientDataSink: Send + Sync + fmt::Debug {
    /// Upserts deal rows on (tenant_id, deal_id).
    ///
    /// # Errors
    /// The sink's failures; [`StoreError::Unavailable`] when retrying later may help.
    async fn put_deals(&self, rows: &[ClientDeal]) -> Result<(), StoreError>;

    /// Upserts report rows on (tenant_id, source_report_id).
    ///
    /// # Errors
    /// As [`ClientDataSink::put_deals`].
    async fn put_reports(&self, rows: &[ClientReport]) -> Result<(), StoreError>;
}
