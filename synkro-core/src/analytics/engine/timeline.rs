//! A chat's lead (L3), its responsible (L4) and pipeline (L5) over time. Each is constant between
//! the instants where some candidate lead is created, closed, enters or leaves the link window,
//! changes responsible or changes stage, so a chat's events in time order look them up once per
//! stretch between those instants instead of once per message.

use crate::analytics::calendar::Micros;
use crate::analytics::engine::keys::Interner;
use crate::analytics::lead::{ContactView, LeadView, lead_at, owner_at};

/// What holds at an instant, with the managers' and pipelines' interned ids.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stretch<'l, 'a> {
    /// L3: the chat's lead.
    pub(super) lead: Option<&'l LeadView<'a>>,
    /// L4: its responsible's interned id (0: none).
    pub(super) responsible_id: u32,
    /// L5: the lead's pipeline's interned id (0: no lead or no pipeline).
    pub(super) pipeline_id: u32,
    /// L5: the lead's stage's interned id (0: no lead or no stage).
    pub(super) stage_id: u32,
}

impl Stretch<'_, '_> {
    /// The interned (pipeline, stage) of the lead.
    pub(super) fn place(&self) -> (u32, u32) {
        (self.pipeline_id, self.stage_id)
    }
}

/// The stretches of one chat's candidate leads.
#[derive(Debug)]
pub(super) struct Timeline<'l, 'a> {
    leads: &'l [LeadView<'a>],
    contacts: &'l [ContactView<'a>],
    ahead: Micros,
    behind: Micros,
    /// Every instant where an answer may change, ascending, each once.
    breaks: Vec<Micros>,
    /// The cached stretch holds on [from, until).
    from: Micros,
    until: Micros,
    current: Option<Stretch<'l, 'a>>,
}

impl<'l, 'a> Timeline<'l, 'a> {
    /// The timeline of a chat's candidate leads with the link tolerances (µs) of `lead_at`, and
    /// its contacts, whose responsible answers when no lead does (L4).
    pub(super) fn new(
        leads: &'l [LeadView<'a>],
        contacts: &'l [ContactView<'a>],
        ahead: Micros,
        behind: Micros,
    ) -> Self {
        let mut breaks = Vec::new();
        for l in leads {
            // `lead_at` compares t with created, created − ahead, closed and closed + behind
            // (inclusive, so the next microsecond); `responsible_at` and `stage_at` switch at
            // each change.
            breaks.extend([l.created, l.created.saturating_sub(ahead)]);
            if let Some(c) = l.closed {
                breaks.extend([c, c.saturating_add(behind).saturating_add(1)]);
            }
            breaks.extend(l.responsible.iter().map(|c| c.at.timestamp_micros()));
            breaks.extend(l.stages.iter().map(|c| c.at.timestamp_micros()));
        }
        for c in contacts {
            breaks.extend(c.responsible.iter().map(|c| c.at.timestamp_micros()));
        }
        breaks.sort_unstable();
        breaks.dedup();
        Self {
            leads,
            contacts,
            ahead,
            behind,
            breaks,
            from: 0,
            until: 0,
            current: None,
        }
    }

    /// What holds at `t` (any order of calls; cheapest when `t` only grows).
    pub(super) fn at(
        &mut self,
        t: Micros,
        managers: &mut Interner,
        pipelines: &mut Interner,
        stages: &mut Interner,
    ) -> Stretch<'l, 'a> {
        if let Some(s) = self.current
            && self.from <= t
            && t < self.until
        {
            return s;
        }
        let i = self.breaks.partition_point(|b| *b <= t);
        self.from = if i == 0 {
            Micros::MIN
        } else {
            self.breaks[i - 1]
        };
        self.until = self.breaks.get(i).copied().unwrap_or(Micros::MAX);
        let s = self.peek(t, managers, pipelines, stages);
        self.current = Some(s);
        s
    }

    /// What holds at `t`, leaving the cached stretch as it is (for a look at another instant,
    /// such as a snapshot's, between two messages).
    pub(super) fn peek(
        &self,
        t: Micros,
        managers: &mut Interner,
        pipelines: &mut Interner,
        stages: &mut Interner,
    ) -> Stretch<'l, 'a> {
        let lead = lead_at(self.leads, t, self.ahead, self.behind);
        let responsible = owner_at(lead, self.contacts, t);
        let (pipeline, stage) = lead.map_or((None, None), |l| l.stage_at(t));
        Stretch {
            lead,
            responsible_id: managers.id(responsible),
            pipeline_id: pipelines.id(pipeline),
            stage_id: stages.id(stage),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::model::{
        Deal, DealId, EntityRef, EventId, ManagerId, ResponsibleChange, SalesPipelineId,
        StageChange,
    };

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a valid instant")
    }

    /// At every second of a day, the timeline answers as `lead_at`, `responsible_at` and
    /// `stage_at` do, for leads that open, close, change hands and move pipelines.
    #[test]
    fn agrees_with_lead_at_at_every_instant() {
        let deal = |id: &str, created: &str, closed: Option<&str>, pipeline: &str| Deal {
            id: DealId::new(id),
            name: id.to_owned(),
            pipeline: Some(SalesPipelineId::new(pipeline)),
            stage: None,
            responsible: Some(ManagerId::new("m0")),
            price: None,
            contacts: Vec::new(),
            phones: Vec::new(),
            loss_reason: None,
            created_at: at(created),
            updated_at: at(created),
            closed_at: closed.map(at),
            custom_fields: serde_json::json!({}),
            synthetic: false,
            deleted_at: None,
        };
        let a = deal(
            "a",
            "2026-03-10T08:00:00Z",
            Some("2026-03-10T12:00:00Z"),
            "p1",
        );
        let b = deal("b", "2026-03-10T13:00:00Z", None, "p1");
        let moves = [StageChange {
            id: EventId::new("s1"),
            deal: DealId::new("b"),
            at: at("2026-03-10T15:30:00Z"),
            from_pipeline: Some(SalesPipelineId::new("p1")),
            from_stage: None,
            to_pipeline: Some(SalesPipelineId::new("p2")),
            to_stage: None,
            by: None,
        }];
        let hands = [ResponsibleChange {
            id: EventId::new("r1"),
            entity: EntityRef::Deal(DealId::new("a")),
            at: at("2026-03-10T10:00:00Z"),
            from: Some(ManagerId::new("m1")),
            to: Some(ManagerId::new("m2")),
            by: None,
        }];
        let leads = vec![
            LeadView::new(&a, [], hands.iter()),
            LeadView::new(&b, moves.iter(), []),
        ];
        let (ahead, behind) = (1_800_000_000, 3_600_000_000);
        let (mut managers, mut pipelines, mut stages) =
            (Interner::new("-"), Interner::new("-"), Interner::new("-"));
        let mut tl = Timeline::new(&leads, &[], ahead, behind);
        let start = at("2026-03-10T00:00:00Z");
        let mut stretches = 0;
        let mut last = None;
        for s in 0..86_400 {
            let t = (start + Duration::seconds(s)).timestamp_micros();
            let got = tl.at(t, &mut managers, &mut pipelines, &mut stages);
            let lead = lead_at(&leads, t, ahead, behind);
            assert_eq!(
                got.lead.map(|l| l.deal.id.as_str()),
                lead.map(|l| l.deal.id.as_str()),
                "lead at +{s}s"
            );
            let responsible = lead.and_then(|l| l.responsible_at(t));
            let expected = managers.id(responsible);
            assert_eq!(got.responsible_id, expected, "responsible at +{s}s");
            let pipeline = lead.and_then(|l| l.stage_at(t).0);
            assert_eq!(got.pipeline_id, pipelines.id(pipeline), "pipeline at +{s}s");
            if last != Some(tl.from) {
                stretches += 1;
                last = Some(tl.from);
            }
        }
        // A handful of stretches (a's link window, creation, hand-over, close; b's link window,
        // creation; a's close window ending; b's move), not one per second.
        assert!(stretches <= 10, "{stretches} stretches");
        // Out of order calls still answer right.
        let t = at("2026-03-10T09:00:00Z").timestamp_micros();
        let got = tl
            .at(t, &mut managers, &mut pipelines, &mut stages)
            .responsible_id;
        assert_eq!(managers.name(got), "m1");
    }
}
