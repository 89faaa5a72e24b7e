use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Manager, SalesPipeline, Timestamp};
use crate::pipeline::Dialog;

/// A count per key (stage or manager), with a display label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRow {
    /// Stable key (`pipeline/stage`, manager id, or `none`).
    pub key: String,
    /// Display name.
    pub label: String,
    /// Deals in this group.
    pub deals: u64,
    /// Messages of those deals.
    pub messages: u64,
}

/// The old service's summary numbers: deals, deals with dialogs, messages, and counts per stage and
/// per responsible manager.
///
/// A dialog whose deal was deleted in the CRM by the run's knowledge cut-off A
/// ([`Deal::is_deleted_at`](crate::model::Deal::is_deleted_at); the chat modes keep such a dialog
/// so that its chat's messages still count in the metrics) is counted in
/// [`deleted_deals`](Self::deleted_deals) only: the other fields count the live deals, as the old
/// service, which never saw deleted deals, did. A deal deleted after A was live at A (C3), as the
/// metrics count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SummaryNumbers {
    /// Deals in the report (not deleted in the CRM).
    pub deals: u64,
    /// Dialogs of the report whose deal was deleted in the CRM; no other field counts them.
    #[serde(default)]
    pub deleted_deals: u64,
    /// Deals with at least one message.
    pub deals_with_dialogs: u64,
    /// Messages in the window.
    pub messages: u64,
    /// Messages towards the company.
    pub messages_inbound: u64,
    /// Messages from the company.
    pub messages_outbound: u64,
    /// Calls in the window.
    pub calls: u64,
    /// Inbound calls nobody answered.
    pub missed_calls: u64,
    /// Stage changes in the window.
    pub stage_changes: u64,
    /// Per current stage, sorted by deals descending then key.
    pub by_stage: Vec<CountRow>,
    /// Per responsible manager, sorted by deals descending then key.
    pub by_manager: Vec<CountRow>,
}

const NONE_KEY: &str = "none";

impl SummaryNumbers {
    /// Counts the dialogs (those of deals deleted in the CRM by `as_of` only in
    /// [`deleted_deals`](Self::deleted_deals)). Names come from `pipelines` and `managers`; an id
    /// without a name is shown as the id.
    #[must_use]
    pub fn from_dialogs(
        dialogs: &[Dialog],
        pipelines: &[SalesPipeline],
        managers: &[Manager],
        as_of: Timestamp,
    ) -> Self {
        let mut out = Self::default();
        let mut by_stage: BTreeMap<String, CountRow> = BTreeMap::new();
        let mut by_manager: BTreeMap<String, CountRow> = BTreeMap::new();
        for d in dialogs {
            if d.deal.is_deleted_at(as_of) {
                out.deleted_deals += 1;
                continue;
            }
            let messages = d.messages.len() as u64;
            out.deals += 1;
            out.deals_with_dialogs += u64::from(d.has_messages());
            out.messages += messages;
            out.messages_inbound += d.inbound_count() as u64;
            out.messages_outbound += d.outbound_count() as u64;
            out.calls += d.calls.len() as u64;
            out.missed_calls += d.calls.iter().filter(|c| c.is_missed()).count() as u64;
            out.stage_changes += d.stage_changes.len() as u64;

            let (stage_key, stage_label) = match &d.deal.stage {
                Some(stage) => {
                    let label = pipelines
                        .iter()
                        .filter(|p| d.deal.pipeline.as_ref().is_none_or(|id| &p.id == id))
                        .find_map(|p| p.stage(stage).map(|s| format!("{} / {}", p.name, s.name)))
                        .unwrap_or_else(|| stage.to_string());
                    // Stage ids such as amoCRM's 142 (won) repeat in every pipeline: key by both.
                    let key = match &d.deal.pipeline {
                        Some(p) => format!("{p}/{stage}"),
                        None => stage.to_string(),
                    };
                    (key, label)
                }
                None => (NONE_KEY.to_owned(), "(no stage)".to_owned()),
            };
            bump(&mut by_stage, stage_key, stage_label, messages);

            let (manager_key, manager_label) = match &d.deal.responsible {
                Some(id) => {
                    let label = managers
                        .iter()
                        .find(|m| &m.id == id)
                        .map_or_else(|| id.to_string(), |m| m.name.clone());
                    (id.to_string(), label)
                }
                None => (NONE_KEY.to_owned(), "(unassigned)".to_owned()),
            };
            bump(&mut by_manager, manager_key, manager_label, messages);
        }
        out.by_stage = sorted(by_stage);
        out.by_manager = sorted(by_manager);
        out
    }
}

fn bump(map: &mut BTreeMap<String, CountRow>, key: String, label: String, messages: u64) {
    let row = map.entry(key.clone()).or_insert(CountRow {
        key,
        label,
        deals: 0,
        messages: 0,
    });
    row.deals += 1;
    row.messages += messages;
}

fn sorted(map: BTreeMap<String, CountRow>) -> Vec<CountRow> {
    let mut rows: Vec<CountRow> = map.into_values().collect();
    rows.sort_by(|a, b| b.deals.cmp(&a.deals).then_with(|| a.key.cmp(&b.key)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{at, client_message, deal};
    use crate::model::{Deal, ManagerId, SalesPipelineId, StageId};

    fn dialog(id: &str, messages: usize, deleted: bool) -> Dialog {
        let mut d = Dialog::new(Deal {
            pipeline: Some(SalesPipelineId::new("1")),
            stage: Some(StageId::new("10")),
            responsible: Some(ManagerId::new("7")),
            deleted_at: deleted.then(|| at("2026-03-10T12:00:00Z")),
            ..deal(id)
        });
        d.messages = (0..messages)
            .map(|i| {
                client_message(
                    &format!("{id}-{i}"),
                    &format!("chat-{id}"),
                    "2026-03-10T09:00:00Z",
                )
            })
            .collect();
        d
    }

    #[test]
    fn a_deal_deleted_in_the_crm_is_counted_apart_and_nowhere_else() {
        let dialogs = [
            dialog("1", 2, false),
            dialog("2", 5, true),
            dialog("3", 0, false),
        ];
        let s = SummaryNumbers::from_dialogs(&dialogs, &[], &[], at("2026-03-11T00:00:00Z"));
        assert_eq!(
            (s.deals, s.deleted_deals, s.deals_with_dialogs, s.messages),
            (2, 1, 1, 2)
        );
        assert_eq!(s.messages_inbound, 2);
        let row = |rows: &[CountRow]| {
            (
                rows.len(),
                rows[0].key.clone(),
                rows[0].deals,
                rows[0].messages,
            )
        };
        assert_eq!(row(&s.by_stage), (1, "1/10".to_owned(), 2, 2));
        assert_eq!(row(&s.by_manager), (1, "7".to_owned(), 2, 2));
    }

    #[test]
    fn a_deal_deleted_after_the_cut_off_is_still_a_deal_of_the_report() {
        // Deleted at 12:00 on 10 March; the run's A is 11:00 that day (C3).
        let dialogs = [dialog("1", 2, true)];
        let before = SummaryNumbers::from_dialogs(&dialogs, &[], &[], at("2026-03-10T11:00:00Z"));
        assert_eq!(
            (before.deals, before.deleted_deals, before.messages),
            (1, 0, 2)
        );
        let after = SummaryNumbers::from_dialogs(&dialogs, &[], &[], at("2026-03-10T12:00:00Z"));
        assert_eq!(
            (after.deals, after.deleted_deals, after.messages),
            (0, 1, 0)
        );
    }

    #[test]
    fn a_summary_saved_before_deleted_deals_were_counted_still_reads() {
        let old = r#"{"deals":3,"deals_with_dialogs":1,"messages":4,"messages_inbound":3,
            "messages_outbound":1,"calls":0,"missed_calls":0,"stage_changes":0,
            "by_stage":[],"by_manager":[]}"#;
        let s: SummaryNumbers = serde_json::from_str(old).expect("an older summary reads");
        assert_eq!((s.deals, s.deleted_deals), (3, 0));
    }
}
