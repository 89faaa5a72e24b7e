//! Row ↔ domain mapping shared by both SQL backends: enum labels, JSON, and the rows of the
//! communication tables.

use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use synkro_core::error::StoreError;
use synkro_core::model::{Deal, EntityRef, Timestamp};
use synkro_core::store::{SyncBatch, Versioned};

use crate::error::corrupt;

/// A value's snake_case serde label (`RunState::Queued` → `queued`).
pub(crate) fn label<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Parses a snake_case label back into its enum.
pub(crate) fn parse_label<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| corrupt(format!("{what}: `{text}` ({e})")))
}

pub(crate) fn to_json<T: Serialize>(
    what: &str,
    value: &T,
) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| corrupt(format!("{what}: {e}")))
}

pub(crate) fn from_json<T: DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|e| corrupt(format!("{what}: {e}")))
}

/// One communication table: its name and the extra columns it fills.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    pub(crate) name: &'static str,
    /// Column for `Row::label` (display name or phone), if any.
    pub(crate) label_col: Option<&'static str>,
    /// Column for `Row::parent` (chat or deal id), if any.
    pub(crate) parent_col: Option<&'static str>,
    /// Column for `Row::link` (a second owner: a contact id), if any.
    pub(crate) link_col: Option<&'static str>,
    /// Column for `Row::at` (the instant windows filter on; a deal's deletion instant), if any.
    pub(crate) at_col: Option<&'static str>,
    /// `at_col` marks a deletion: at an equal update time a stored row with the mark is not
    /// replaced by one without it (a deletion's update time is its instant, so a live copy of
    /// the same time is from before it).
    pub(crate) at_marks_deletion: bool,
}

impl Table {
    /// The SQL condition (on `t`, the stored row, and `excluded`, the new one) under which an
    /// upsert leaves a stored deletion mark in place; empty for a table without one.
    pub(crate) fn keeps_deletion_sql(&self) -> String {
        match self.at_col.filter(|_| self.at_marks_deletion) {
            Some(c) => format!(
                " AND NOT (t.{c} IS NOT NULL AND excluded.{c} IS NULL \
                 AND excluded.source_updated_at = t.source_updated_at)"
            ),
            None => String::new(),
        }
    }
}

pub(crate) const MANAGER: Table = Table {
    name: "manager",
    label_col: Some("name"),
    parent_col: None,
    link_col: None,
    at_col: None,
    at_marks_deletion: false,
};
pub(crate) const PIPELINE: Table = Table {
    name: "sales_pipeline",
    label_col: Some("name"),
    parent_col: None,
    link_col: None,
    at_col: None,
    at_marks_deletion: false,
};
/// Deals: `deleted_at` (migration 0004) holds when the CRM deleted the deal, NULL while it lives.
pub(crate) const DEAL: Table = Table {
    name: "deal",
    label_col: Some("name"),
    parent_col: None,
    link_col: None,
    at_col: Some("deleted_at"),
    at_marks_deletion: true,
};
pub(crate) const CONTACT: Table = Table {
    name: "contact",
    label_col: Some("name"),
    parent_col: None,
    link_col: None,
    at_col: None,
    at_marks_deletion: false,
};
pub(crate) const CHAT: Table = Table {
    name: "chat",
    label_col: Some("phone"),
    parent_col: None,
    link_col: None,
    at_col: None,
    at_marks_deletion: false,
};
pub(crate) const MESSAGE: Table = Table {
    name: "message",
    label_col: None,
    parent_col: Some("chat_id"),
    link_col: None,
    at_col: Some("created_at"),
    at_marks_deletion: false,
};
pub(crate) const CALL: Table = Table {
    name: "call",
    label_col: None,
    parent_col: Some("deal_id"),
    link_col: None,
    at_col: Some("started_at"),
    at_marks_deletion: false,
};
pub(crate) const STAGE_CHANGE: Table = Table {
    name: "stage_change",
    label_col: None,
    parent_col: Some("deal_id"),
    link_col: None,
    at_col: Some("changed_at"),
    at_marks_deletion: false,
};
pub(crate) const ACTIVITY: Table = Table {
    name: "crm_activity",
    label_col: Some("kind"),
    parent_col: Some("deal_id"),
    link_col: Some("contact_id"),
    at_col: Some("occurred_at"),
    at_marks_deletion: false,
};
pub(crate) const RESPONSIBLE_CHANGE: Table = Table {
    name: "responsible_change",
    label_col: None,
    parent_col: None,
    link_col: None,
    at_col: Some("changed_at"),
    at_marks_deletion: false,
};

/// One record ready for its table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) updated: Option<Timestamp>,
    pub(crate) label: Option<String>,
    pub(crate) parent: Option<String>,
    pub(crate) link: Option<String>,
    pub(crate) at: Option<Timestamp>,
    /// The record as JSON text.
    pub(crate) data: String,
}

/// The extra columns of one record: label, parent, link and the instant windows filter on.
pub(crate) type Extra = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Timestamp>,
);

/// Turns records into rows, keeping one per id: the one that would win if applied in order
/// (newer or equal source time, or no time). Returns the rows and how many were folded away.
pub(crate) fn rows<T: Versioned + Serialize>(
    items: &[T],
    extra: impl Fn(&T) -> Extra,
) -> Result<(Vec<Row>, u64), StoreError> {
    let mut out: Vec<Row> = Vec::with_capacity(items.len());
    let mut index: HashMap<&str, usize> = HashMap::new();
    // Per row: the record it holds, which a later copy must supersede (`Versioned::supersedes`).
    let mut kept: Vec<&T> = Vec::with_capacity(items.len());
    let mut folded = 0u64;
    for item in items {
        let (label, parent, link, at) = extra(item);
        let row = Row {
            id: item.natural_id().to_owned(),
            updated: item.source_updated_at(),
            label,
            parent,
            link,
            at,
            data: serde_json::to_string(item).map_err(|e| corrupt(format!("record: {e}")))?,
        };
        match index.get(item.natural_id()) {
            Some(&i) => {
                folded += 1;
                if item.supersedes(kept[i]) {
                    out[i] = row;
                    kept[i] = item;
                }
            }
            None => {
                index.insert(item.natural_id(), out.len());
                out.push(row);
                kept.push(item);
            }
        }
    }
    Ok((out, folded))
}

/// Deals as rows of [`DEAL`]: the name, and the deletion instant.
pub(crate) fn deal_rows(deals: &[Deal]) -> Result<(Vec<Row>, u64), StoreError> {
    rows(deals, |d| (Some(d.name.clone()), None, None, d.deleted_at))
}

/// Tables with their rows.
pub(crate) type TableRows = Vec<(Table, Vec<Row>)>;

/// Every table of a batch with its rows, in dependency order.
pub(crate) fn batch_rows(batch: &SyncBatch) -> Result<(TableRows, u64), StoreError> {
    let mut folded = 0;
    let mut out = Vec::new();
    let mut push = |t: Table, r: (Vec<Row>, u64)| {
        folded += r.1;
        if !r.0.is_empty() {
            out.push((t, r.0));
        }
    };
    push(
        MANAGER,
        rows(&batch.managers, |m| {
            (Some(m.name.clone()), None, None, None)
        })?,
    );
    push(
        PIPELINE,
        rows(&batch.sales_pipelines, |p| {
            (Some(p.name.clone()), None, None, None)
        })?,
    );
    push(DEAL, deal_rows(&batch.deals)?);
    push(
        CONTACT,
        rows(&batch.contacts, |c| {
            (Some(c.name.clone()), None, None, None)
        })?,
    );
    push(
        CHAT,
        rows(&batch.chats, |c| (c.phone.clone(), None, None, None))?,
    );
    push(
        MESSAGE,
        rows(&batch.messages, |m| {
            (None, Some(m.chat.to_string()), None, Some(m.created_at))
        })?,
    );
    push(
        CALL,
        rows(&batch.calls, |c| {
            (
                None,
                c.deal.as_ref().map(ToString::to_string),
                None,
                Some(c.started_at),
            )
        })?,
    );
    push(
        STAGE_CHANGE,
        rows(&batch.stage_changes, |c| {
            (None, Some(c.deal.to_string()), None, Some(c.at))
        })?,
    );
    push(
        RESPONSIBLE_CHANGE,
        rows(&batch.responsible_changes, |c| {
            let parent = match &c.entity {
                EntityRef::Deal(d) => Some(d.to_string()),
                _ => None,
            };
            (None, parent, None, Some(c.at))
        })?,
    );
    push(
        ACTIVITY,
        rows(&batch.activities, |a| {
            (
                Some(a.kind.as_str().to_owned()),
                a.deal.as_ref().map(ToString::to_string),
                a.contact.as_ref().map(ToString::to_string),
                Some(a.at),
            )
        })?,
    );
    Ok((out, folded))
}
