use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ContactId, DealId, ManagerId, SalesPipelineId, StageId};

/// A deal: an amoCRM lead, or a synthetic deal built from a chat in `radist_only` mode.
///
/// A deal deleted in the CRM stays stored with [`deleted_at`](Self::deleted_at) set: it is no
/// lead candidate of any chat or call and counts in no lead metric (metrics.md L3, K19).
#[doc(alias = "lead")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// Lead id, or the synthetic id derived from the chat.
    pub id: DealId,
    /// Deal name.
    pub name: String,
    /// Sales pipeline.
    pub pipeline: Option<SalesPipelineId>,
    /// Current stage.
    pub stage: Option<StageId>,
    /// Responsible manager.
    pub responsible: Option<ManagerId>,
    /// Deal value in the account's currency.
    pub price: Option<i64>,
    /// Linked contacts.
    pub contacts: Vec<ContactId>,
    /// Phone numbers written on the deal itself (phone custom fields), raw.
    pub phones: Vec<String>,
    /// Loss reason, for lost deals.
    pub loss_reason: Option<String>,
    /// When the deal was created.
    pub created_at: DateTime<Utc>,
    /// Source update time.
    pub updated_at: DateTime<Utc>,
    /// When the deal was closed, if it was.
    pub closed_at: Option<DateTime<Utc>>,
    /// Source custom fields, loosely typed.
    pub custom_fields: serde_json::Value,
    /// Whether the deal was synthesized from a chat (no CRM behind it).
    pub synthetic: bool,
    /// When the CRM reported the deal deleted (the update time of its deletion), or `None` for a
    /// live deal. A deal listed again by the CRM (restored) comes back with `None`. Absent in
    /// stored JSON of live deals and of data written before deletions were tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Deal {
    /// Whether the CRM reported the deal deleted.
    #[must_use]
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Whether the deal was deleted at or before `t`: what was known of it at `t` (a report with
    /// the knowledge cut-off A treats a deal deleted after A as live, metrics.md C3).
    #[must_use]
    pub fn is_deleted_at(&self, t: chrono::DateTime<chrono::Utc>) -> bool {
        self.deleted_at.is_some_and(|d| d <= t)
    }
}

/// A deal the CRM reports deleted (amoCRM: `GET /api/v4/leads?with=only_deleted`, deleted but
/// still restorable), with the instant of its deletion. Stores mark the stored deal with it
/// ([`DeletedDeal::apply_to`]); a deal never stored is not created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedDeal {
    /// The deal's id.
    pub id: DealId,
    /// The deal's update time in the deleted listing: when it was deleted.
    pub deleted_at: DateTime<Utc>,
}

impl DeletedDeal {
    /// A deletion of deal `id` at `deleted_at`.
    pub fn new(id: impl Into<DealId>, deleted_at: DateTime<Utc>) -> Self {
        Self {
            id: id.into(),
            deleted_at,
        }
    }

    /// The stored deal `stored` after this deletion, or `None` when the deletion changes nothing:
    /// the deal was updated after it (restored and changed since: newer wins) or is already
    /// marked deleted at this instant. The deleted deal takes the deletion's instant as its update
    /// time, as the CRM does, so an older copy of the live deal arriving late never undeletes it
    /// while a newer one (a restore) does.
    #[must_use]
    pub fn apply_to(&self, stored: &Deal) -> Option<Deal> {
        let applies = stored.id == self.id
            && stored.updated_at <= self.deleted_at
            && !(stored.deleted_at == Some(self.deleted_at)
                && stored.updated_at == self.deleted_at);
        applies.then(|| Deal {
            deleted_at: Some(self.deleted_at),
            updated_at: self.deleted_at,
            ..stored.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("valid instant")
    }

    fn live(updated: &str) -> Deal {
        Deal {
            id: DealId::new("7"),
            name: "Order".into(),
            pipeline: None,
            stage: None,
            responsible: None,
            price: Some(100),
            contacts: vec![ContactId::new("c1")],
            phones: Vec::new(),
            loss_reason: None,
            created_at: at("2026-03-01T00:00:00Z"),
            updated_at: at(updated),
            closed_at: None,
            custom_fields: serde_json::Value::Null,
            synthetic: false,
            deleted_at: None,
        }
    }

    #[test]
    fn a_live_deal_serializes_without_the_flag_and_old_json_reads_as_live() {
        let deal = live("2026-03-02T00:00:00Z");
        let json = serde_json::to_value(&deal).expect("serializes");
        assert!(json.get("deleted_at").is_none(), "{json}");
        let back: Deal = serde_json::from_value(json).expect("reads");
        assert_eq!(back, deal);
        assert!(!back.is_deleted());
        let deleted = Deal {
            deleted_at: Some(at("2026-03-03T00:00:00Z")),
            ..deal
        };
        let json = serde_json::to_value(&deleted).expect("serializes");
        assert_eq!(json["deleted_at"], "2026-03-03T00:00:00Z");
        assert_eq!(
            serde_json::from_value::<Deal>(json).expect("reads"),
            deleted
        );
    }

    #[test]
    fn a_deletion_marks_a_deal_updated_at_or_before_it_once() {
        let del = DeletedDeal::new("7", at("2026-03-05T00:00:00Z"));
        let marked = del
            .apply_to(&live("2026-03-02T00:00:00Z"))
            .expect("the deletion is newer");
        assert_eq!(marked.deleted_at, Some(at("2026-03-05T00:00:00Z")));
        assert_eq!(marked.updated_at, at("2026-03-05T00:00:00Z"));
        assert_eq!(marked.name, "Order", "the rest of the deal stays");
        assert_eq!(del.apply_to(&marked), None, "already marked: unchanged");
        // The same second as the last update: the deletion came after it.
        assert!(del.apply_to(&live("2026-03-05T00:00:00Z")).is_some());
        // Updated after the deletion (restored since): newer wins.
        assert_eq!(del.apply_to(&live("2026-03-06T00:00:00Z")), None);
        // Another deal is never touched.
        assert_eq!(
            DeletedDeal::new("8", at("2026-03-05T00:00:00Z"))
                .apply_to(&live("2026-03-02T00:00:00Z")),
            None
        );
        // Deleted again later (a restore in between was missed): the later deletion wins.
        let later = DeletedDeal::new("7", at("2026-03-09T00:00:00Z"));
        assert_eq!(
            later.apply_to(&marked).and_then(|d| d.deleted_at),
            Some(at("2026-03-09T00:00:00Z"))
        );
    }
}
