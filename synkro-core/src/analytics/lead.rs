//! Leads as the metrics see them: state at an instant (L3–L5), pipelines and stage kinds.

use std::collections::HashMap;

use crate::analytics::calendar::Micros;
use crate::model::{
    Contact, Deal, EntityRef, ManagerId, ResponsibleChange, SalesPipeline, StageChange, StageId,
    StageKind,
};

/// amoCRM's fixed won status id.
pub const WON_STATUS: &str = "142";
/// amoCRM's fixed lost status id.
pub const LOST_STATUS: &str = "143";

fn us(t: chrono::DateTime<chrono::Utc>) -> Micros {
    t.timestamp_micros()
}

/// Reference data the metrics need beyond the dialogs: pipelines (stage order and kinds) and
/// responsible-manager history. Everything is optional; without pipelines the amoCRM status ids
/// 142/143 mark won/lost, without responsible history the deal's current responsible is used.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    /// Sales pipelines with their stages.
    pub pipelines: Vec<SalesPipeline>,
    /// Responsible changes of deals and contacts.
    pub responsible_changes: Vec<ResponsibleChange>,
    /// Who created each lead (deal id → CRM user id; `0` = robot), for speed to lead.
    pub created_by: HashMap<String, String>,
}

impl ReferenceData {
    /// The kind of a stage (won / lost / open).
    #[must_use]
    pub fn stage_kind(&self, stage: &StageId) -> StageKind {
        self.stage_kind_of(stage.as_str())
    }

    /// [`stage_kind`](Self::stage_kind) of a stage id given as text.
    #[must_use]
    pub fn stage_kind_of(&self, stage: &str) -> StageKind {
        let found = self.pipelines.iter().flat_map(|p| &p.stages);
        if let Some(s) = found.into_iter().find(|s| s.id.as_str() == stage) {
            return s.kind;
        }
        match stage {
            WON_STATUS => StageKind::Won,
            LOST_STATUS => StageKind::Lost,
            _ => StageKind::Open,
        }
    }

    /// Whether a stage change closes its lead: it enters a won or lost stage (§1.4
    /// `LeadClosed`).
    #[must_use]
    pub fn closes(&self, change: &StageChange) -> bool {
        change
            .to_stage
            .as_ref()
            .is_some_and(|s| self.stage_kind(s) != StageKind::Open)
    }

    /// Responsible changes grouped by deal id, oldest first.
    #[must_use]
    pub fn deal_responsible_changes(&self) -> HashMap<&str, Vec<&ResponsibleChange>> {
        self.changes_by(|e| match e {
            EntityRef::Deal(d) => Some(d.as_str()),
            EntityRef::Contact(_) => None,
        })
    }

    /// Responsible changes grouped by contact id, oldest first.
    #[must_use]
    pub fn contact_responsible_changes(&self) -> HashMap<&str, Vec<&ResponsibleChange>> {
        self.changes_by(|e| match e {
            EntityRef::Contact(c) => Some(c.as_str()),
            EntityRef::Deal(_) => None,
        })
    }

    fn changes_by<'s>(
        &'s self,
        id: impl Fn(&'s EntityRef) -> Option<&'s str>,
    ) -> HashMap<&'s str, Vec<&'s ResponsibleChange>> {
        let mut out: HashMap<&str, Vec<&ResponsibleChange>> = HashMap::new();
        for c in &self.responsible_changes {
            if let Some(id) = id(&c.entity) {
                out.entry(id).or_default().push(c);
            }
        }
        for v in out.values_mut() {
            v.sort_by_key(|c| c.at);
        }
        out
    }
}

/// A lead with its histories, answering state-at-instant questions (K5: an event at t has
/// happened at t).
#[derive(Debug, Clone)]
pub struct LeadView<'a> {
    /// The deal.
    pub deal: &'a Deal,
    /// Stage changes, oldest first.
    pub stages: Vec<&'a StageChange>,
    /// Responsible changes, oldest first.
    pub responsible: Vec<&'a ResponsibleChange>,
    /// Creation instant.
    pub created: Micros,
    /// Close instant, if closed.
    pub closed: Option<Micros>,
    /// Whether the lead counts as deleted in the CRM (L3, K19): [`new`](Self::new) takes it
    /// from the deal; [`compute`](crate::analytics::compute) clears it for a deal deleted after
    /// A, which was live at A (C3).
    pub deleted: bool,
}

impl<'a> LeadView<'a> {
    /// A view of a deal with its histories (any order).
    #[must_use]
    pub fn new(
        deal: &'a Deal,
        stages: impl IntoIterator<Item = &'a StageChange>,
        responsible: impl IntoIterator<Item = &'a ResponsibleChange>,
    ) -> Self {
        let mut stages: Vec<_> = stages.into_iter().filter(|s| s.deal == deal.id).collect();
        stages.sort_by_key(|s| s.at);
        let mut responsible: Vec<_> = responsible.into_iter().collect();
        responsible.sort_by_key(|c| c.at);
        Self {
            deal,
            stages,
            responsible,
            created: us(deal.created_at),
            closed: deal.closed_at.map(us),
            deleted: deal.is_deleted(),
        }
    }

    /// Whether the lead is open at t (created ≤ t, not closed at t).
    #[must_use]
    pub fn open_at(&self, t: Micros) -> bool {
        self.created <= t && self.closed.is_none_or(|c| c > t)
    }

    /// L4: responsible at t.
    #[must_use]
    pub fn responsible_at(&self, t: Micros) -> Option<&'a str> {
        responsible_in(&self.responsible, self.deal.responsible.as_ref(), t)
    }

    /// L5: (pipeline, stage) at t.
    #[must_use]
    pub fn stage_at(&self, t: Micros) -> (Option<&'a str>, Option<&'a str>) {
        let i = self.stages.partition_point(|c| us(c.at) <= t);
        if i == 0 {
            match self.stages.first() {
                Some(first) => (
                    first.from_pipeline.as_ref().map(|p| p.as_str()).or(self
                        .deal
                        .pipeline
                        .as_ref()
                        .map(|p| p.as_str())),
                    first.from_stage.as_ref().map(|s| s.as_str()),
                ),
                None => (
                    self.deal.pipeline.as_ref().map(|p| p.as_str()),
                    self.deal.stage.as_ref().map(|s| s.as_str()),
                ),
            }
        } else {
            let c = self.stages[i - 1];
            (
                c.to_pipeline.as_ref().map(|p| p.as_str()).or(self
                    .deal
                    .pipeline
                    .as_ref()
                    .map(|p| p.as_str())),
                c.to_stage.as_ref().map(|s| s.as_str()),
            )
        }
    }
}

/// L4 over a history of changes, oldest first: the `to` of the last change at or before t, else
/// the `from` of the first change, else `current` (no history).
fn responsible_in<'a>(
    changes: &[&'a ResponsibleChange],
    current: Option<&'a ManagerId>,
    t: Micros,
) -> Option<&'a str> {
    let i = changes.partition_point(|c| us(c.at) <= t);
    if i == 0 {
        match changes.first() {
            Some(first) => first.from.as_ref().map(|m| m.as_str()),
            None => current.map(|m| m.as_str()),
        }
    } else {
        changes[i - 1].to.as_ref().map(|m| m.as_str())
    }
}

/// A contact with its responsible history: who answers for a phone when no lead of it does (K12,
/// §5.5).
#[derive(Debug, Clone)]
pub struct ContactView<'a> {
    /// The contact.
    pub contact: &'a Contact,
    /// Responsible changes, oldest first.
    pub responsible: Vec<&'a ResponsibleChange>,
}

impl<'a> ContactView<'a> {
    /// A view of a contact with its responsible changes (any order).
    #[must_use]
    pub fn new(
        contact: &'a Contact,
        responsible: impl IntoIterator<Item = &'a ResponsibleChange>,
    ) -> Self {
        let mut responsible: Vec<_> = responsible.into_iter().collect();
        responsible.sort_by_key(|c| c.at);
        Self {
            contact,
            responsible,
        }
    }

    /// L4: responsible at t.
    #[must_use]
    pub fn responsible_at(&self, t: Micros) -> Option<&'a str> {
        responsible_in(&self.responsible, self.contact.responsible.as_ref(), t)
    }
}

/// L4: the responsible at t of a chat or a phone whose lead at t is `lead`: the lead's, else the
/// first of `contacts` (in the order given; callers sort them by id) that has one.
pub(crate) fn owner_at<'a, 'c>(
    lead: Option<&LeadView<'a>>,
    contacts: impl IntoIterator<Item = &'c ContactView<'a>>,
    t: Micros,
) -> Option<&'a str>
where
    'a: 'c,
{
    lead.and_then(|l| l.responsible_at(t))
        .or_else(|| contacts.into_iter().find_map(|c| c.responsible_at(t)))
}

/// L3: the lead of a chat at t among candidate leads. Deleted leads
/// ([`LeadView::deleted`]) are never chosen (L3: "deleted leads excluded");
/// [`compute`](crate::analytics::compute) leaves them out of the candidates already.
#[must_use]
pub fn lead_at<'l, 'a>(
    leads: &'l [LeadView<'a>],
    t: Micros,
    ahead: Micros,
    behind: Micros,
) -> Option<&'l LeadView<'a>> {
    if leads.len() == 1 {
        let l = &leads[0];
        let ok = l.open_at(t)
            || (l.created > t && l.created <= t + ahead)
            || l.closed.is_some_and(|c| c <= t && c >= t - behind);
        return (ok && !l.deleted).then_some(l);
    }
    let live = || leads.iter().filter(|l| !l.deleted);
    live()
        .filter(|l| l.open_at(t))
        .max_by_key(|l| (l.created, l.deal.id.as_str()))
        .or_else(|| {
            live()
                .filter(|l| l.created > t && l.created <= t + ahead)
                .min_by_key(|l| (l.created, l.deal.id.as_str()))
        })
        .or_else(|| {
            live()
                .filter(|l| l.closed.is_some_and(|c| c <= t && c >= t - behind))
                .max_by_key(|l| (l.closed, l.deal.id.as_str()))
        })
}
