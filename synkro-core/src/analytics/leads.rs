//! Lead metrics: speed to lead (§3.6), follow-up discipline (§3.11), funnel conversion (§3.12),
//! time in stage and sales cycle (§3.13), win rate and loss reasons (§3.14).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;

use crate::analytics::agg::Pair;
use crate::analytics::calendar::{Micros, from_micros};
use crate::analytics::config::{
    Basis, CallRule, FunnelMode, StageTimeUnit, StlAttribution, WinAttribution, outcome_code,
};
use crate::analytics::engine::{LeadInput, MetricsEngine, SEC};
use crate::analytics::lead::LeadView;
use crate::analytics::report::{
    DurationMetric, Funnel, FunnelStep, LossReason, StageStays, StageTime,
};
use crate::analytics::stats::{ItemState, classify};
use crate::model::{ActivityKind, ChatKind, Direction, StageChange, StageKind};

/// One lead's first pass of each open stage of a pipeline, then of won: (instant, interned
/// responsible then, whether the report filter keeps the lead's cohort item of that stage).
type LeadPasses = Vec<Option<(Micros, u32, bool)>>;

/// pipeline → stage → (completed stays, open stays).
type Stays = BTreeMap<String, BTreeMap<String, (Pair, Pair)>>;

/// Lead-level state kept until the report is published (pipeline metrics are always computed
/// from items).
#[derive(Debug, Clone, Default)]
pub(crate) struct LeadsState {
    /// pipeline → per lead: first pass of every open stage (in order), then won: its instant and
    /// the responsible then (interned), to whom a cohort of that stage is attributed (§5.5).
    passes: BTreeMap<String, Vec<LeadPasses>>,
    /// pipeline → stage → (completed stays, open stays).
    stays: Stays,
    /// The same per responsible at entry (§5.5): interned manager → stays.
    stays_by_manager: BTreeMap<u32, Stays>,
    /// reason → its lost items.
    losses: BTreeMap<String, LossTally>,
}

/// The lost items of one reason (§3.14): how many, by attributed manager and by stage at loss.
#[derive(Debug, Clone, Default)]
struct LossTally {
    count: u64,
    by_manager: BTreeMap<String, u64>,
    by_stage: BTreeMap<String, u64>,
}

impl LossTally {
    fn add(&mut self, o: &Self) {
        self.count += o.count;
        for (map, other) in [
            (&mut self.by_manager, &o.by_manager),
            (&mut self.by_stage, &o.by_stage),
        ] {
            for (k, n) in other {
                *entry(map, k) += n;
            }
        }
    }
}

/// Adds the stays of `o` (pipeline → stage → stays) to `into`.
fn merge_stays(into: &mut Stays, o: Stays) {
    for (p, stages) in o {
        for (st, (c, op)) in stages {
            let e = entry(entry(into, &p), &st);
            e.0.cal.merge(&c.cal);
            e.0.bus.merge(&c.bus);
            e.1.cal.merge(&op.cal);
            e.1.bus.merge(&op.bus);
        }
    }
}

/// The value of `key` in `map`, added (default) on first use; a key already there is found
/// without allocating its `String`.
fn entry<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).unwrap_or_else(|| unreachable!())
}

impl LeadsState {
    /// Records a stay of (pipeline, stage) with its manager: `open` when it has not ended by A.
    fn add_stay(&mut self, stage: (&str, &str), manager: u32, open: bool, cal: i64, bus: i64) {
        let all = entry(entry(&mut self.stays, stage.0), stage.1);
        let by = entry(
            entry(self.stays_by_manager.entry(manager).or_default(), stage.0),
            stage.1,
        );
        for e in [all, by] {
            if open {
                e.1.push(cal, bus);
            } else {
                e.0.push(cal, bus);
            }
        }
    }

    /// Adds the state of another engine's leads; `managers` maps its interned manager ids to
    /// this engine's.
    pub(crate) fn merge(&mut self, o: Self, managers: &[u32]) {
        for (k, v) in o.passes {
            let mine = self.passes.entry(k).or_default();
            for mut lead in v {
                for (_, m, _) in lead.iter_mut().flatten() {
                    *m = managers[*m as usize];
                }
                mine.push(lead);
            }
        }
        merge_stays(&mut self.stays, o.stays);
        for (m, stays) in o.stays_by_manager {
            merge_stays(
                self.stays_by_manager
                    .entry(managers[m as usize])
                    .or_default(),
                stays,
            );
        }
        for (k, t) in o.losses {
            self.losses.entry(k).or_default().add(&t);
        }
    }

    pub(crate) fn publish(
        &self,
        eng: &MetricsEngine,
        levels: &[u32],
    ) -> (Vec<Funnel>, Vec<StageTime>, Vec<LossReason>) {
        let mut funnels = Vec::new();
        for p in &eng.reference.pipelines {
            let Some(leads) = self.passes.get(p.id.as_str()) else {
                continue;
            };
            let mut open: Vec<_> = p
                .stages
                .iter()
                .filter(|s| s.kind == StageKind::Open)
                .collect();
            open.sort_by_key(|s| s.sort);
            let names: Vec<String> = open
                .iter()
                .map(|s| s.id.0.clone())
                .chain(["won".to_owned()])
                .collect();
            // §3.12 `funnel_horizon`: Y counts only if passed within that many seconds of X.
            let horizon = eng.cfg.funnel_horizon.map(|h| h * SEC);
            // A cohort of stage X, of one manager (the responsible at the pass of X) or of all.
            let step = |x: usize, y: usize, who: Option<u32>| {
                let cohort: Vec<_> = leads
                    .iter()
                    .filter_map(|l| {
                        l[x].filter(|(t, m, kept)| {
                            *kept && eng.in_period(*t) && who.is_none_or(|w| w == *m)
                        })
                        .map(|(tx, _, _)| (l, tx))
                    })
                    .collect();
                let converted = cohort
                    .iter()
                    .filter(|(l, tx)| {
                        l[y].is_some_and(|(ty, _, _)| {
                            ty <= eng.a && horizon.is_none_or(|h| ty - tx <= h)
                        })
                    })
                    .count() as u64;
                let n = cohort.len() as u64;
                FunnelStep {
                    from: names[x].clone(),
                    to: names[y].clone(),
                    cohort: n,
                    converted,
                    rate: (n > 0).then(|| converted as f64 / n as f64),
                }
            };
            let steps_of = |who: Option<u32>| {
                let mut steps = Vec::new();
                for i in 0..names.len().saturating_sub(1) {
                    steps.push(step(i, i + 1, who));
                }
                for j in 2..names.len() {
                    steps.push(step(0, j, who));
                }
                steps
            };
            // The managers some cohort in the period (kept by the filter) is attributed to (won is
            // no cohort stage).
            let managers: BTreeSet<u32> = leads
                .iter()
                .flat_map(|l| l[..names.len() - 1].iter().flatten())
                .filter(|(t, _, kept)| *kept && eng.in_period(*t))
                .map(|(_, m, _)| *m)
                .collect();
            funnels.push(Funnel {
                pipeline: p.id.0.clone(),
                name: p.name.clone(),
                steps: steps_of(None),
                by_manager: managers
                    .into_iter()
                    .map(|m| (eng.managers.name(m).to_owned(), steps_of(Some(m))))
                    .collect(),
            });
        }
        let stays_of = |(c, o): &(Pair, Pair)| StageStays {
            completed: DurationMetric {
                calendar: c.cal.summary(levels),
                business: c.bus.summary(levels),
            },
            open: DurationMetric {
                calendar: o.cal.summary(levels),
                business: o.bus.summary(levels),
            },
        };
        let stage_times = self
            .stays
            .iter()
            .flat_map(|(p, m)| m.iter().map(move |(s, v)| (p, s, v)))
            .map(|(p, s, v)| {
                let StageStays { completed, open } = stays_of(v);
                StageTime {
                    pipeline: p.clone(),
                    stage: s.clone(),
                    completed,
                    open,
                    by_manager: self
                        .stays_by_manager
                        .iter()
                        .filter_map(|(m, pipes)| {
                            let v = pipes.get(p)?.get(s)?;
                            Some((eng.managers.name(*m).to_owned(), stays_of(v)))
                        })
                        .collect(),
                }
            })
            .collect();
        let lost: u64 = self.losses.values().map(|t| t.count).sum();
        let loss_reasons = self
            .losses
            .iter()
            .map(|(r, t)| LossReason {
                reason: r.clone(),
                count: t.count,
                share: (lost > 0).then(|| t.count as f64 / lost as f64),
                by_manager: t.by_manager.clone(),
                by_stage: t.by_stage.clone(),
            })
            .collect();
        (funnels, stage_times, loss_reasons)
    }
}

/// `stage_time_unit = lead`: a lead's stays in one (pipeline, stage) summed — calendar and
/// business microseconds, whether one is still open, the responsible at the first entry and
/// whether the report filter keeps the item (by its first stay in the period, its anchor).
type SummedStays<'l> = ((&'l str, &'l str), i64, i64, bool, u32, bool);

/// A touch of a lead (§3.6): instant, C5 class (1 message, 2 call, 3 CRM note) and the interned
/// manager (0: unknown author).
type LeadTouch = (Micros, u8, u32);

impl MetricsEngine {
    /// Whether the report filter (§6) keeps a lead item anchored at `t`, attributed to
    /// `manager`, with the lead at `place` (pipeline, stage) then; always without a filter (no
    /// key is built then).
    fn lead_item_kept(
        &mut self,
        t: Micros,
        manager: u32,
        place: (Option<&str>, Option<&str>),
    ) -> bool {
        if !self.acc.is_filtered() {
            return true;
        }
        let key = self.key(t, manager, "-", None, place, ChatKind::Direct, 0);
        self.acc.selects(&key)
    }

    /// Whether a CRM user id is a known human manager (O2, O6): not a bot id and, when the
    /// `managers` list is set, on it.
    fn is_staff(&self, id: &str) -> bool {
        !self.cfg.bot_author_ids.iter().any(|b| b == id)
            && (self.cfg.managers.is_empty() || self.cfg.managers.iter().any(|m| m == id))
    }

    /// The touches of a lead (§3.6, K7): from the channels of `stl_touch_channels`, at or after
    /// its creation, inside the loaded history and at or before A; sorted by (instant, C5 class).
    fn lead_touches(&mut self, input: &LeadInput<'_, '_>) -> Vec<LeadTouch> {
        let l = input.lead;
        let lo = l.created.max(self.from - self.cfg.history_lookback * SEC);
        let hi = self.a;
        let on = |c: &str| self.cfg.stl_touch_channels.iter().any(|x| x == c);
        let (chat, call, note) = (on("chat"), on("call"), on("note"));
        let mut touches: Vec<LeadTouch> = Vec::new();
        if chat {
            touches.extend(
                input
                    .chat_touches
                    .iter()
                    .filter(|t| t.at >= lo && t.at <= hi)
                    .map(|t| (t.at, 1, t.manager)),
            );
        }
        if call {
            let min_talk = self.cfg.reply_call_min_talk_s;
            for c in input.calls {
                let t = c.started_at.timestamp_micros();
                let connected = c.answered() && c.talk_s >= min_talk;
                let ok = match c.direction {
                    Direction::Outbound => self.cfg.stl_call_rule == CallRule::Attempt || connected,
                    Direction::Inbound => connected,
                };
                if ok && t >= lo && t <= hi {
                    let m = self.manager_id(c.manager.as_ref().map(|m| m.as_str()));
                    touches.push((t, 2, m));
                }
            }
        }
        if note {
            for a in input.activities {
                let t = a.at.timestamp_micros();
                let mine = a.deal.as_ref().is_none_or(|d| *d == l.deal.id);
                let by = a.by.as_ref().map(|m| m.as_str());
                if a.kind == ActivityKind::Note
                    && mine
                    && by.is_some_and(|b| self.is_staff(b))
                    && t >= lo
                    && t <= hi
                {
                    let m = self.manager_id(by);
                    touches.push((t, 3, m));
                }
            }
        }
        touches.sort_unstable();
        touches
    }

    /// The first close (won or lost) of a lead at or after its creation: from the stage history,
    /// else the deal's close instant.
    fn first_close(&self, input: &LeadInput<'_, '_>) -> Option<Micros> {
        let l = input.lead;
        if l.stages.is_empty() {
            return l.closed;
        }
        l.stages
            .iter()
            .filter(|c| self.reference.closes(c))
            .map(|c| c.at.timestamp_micros())
            .find(|t| *t >= l.created)
            .or(l.closed)
    }

    /// Counts an item of `metric` in `dq.unassigned_items.<metric>` (hit when its attributed
    /// manager is `unassigned`).
    pub(crate) fn dq_unassigned(&mut self, id: &'static str, manager: u32, item: &str) {
        self.dq_add(id, manager == 0, || item.to_owned());
    }

    /// Processes one lead: speed to lead, win/loss, cycle, funnel passes, stays, follow-up, and
    /// `dq.leads_without_phone`. A lead deleted in the CRM ([`LeadView::deleted`]) counts in none
    /// of them (K19) and is ignored.
    pub fn add_lead(&mut self, input: &LeadInput<'_, '_>) {
        if input.lead.deleted {
            return;
        }
        self.lead_time_anomalies(input.lead);
        let touches = self.lead_touches(input);
        self.speed_to_lead(input, &touches);
        self.win_loss(input);
        self.stages(input);
        self.followup(input, &touches);
        let l = input.lead;
        if !l.deal.synthetic && l.open_at(self.e) {
            let hit = input.phones.is_empty();
            self.dq_add("dq.leads_without_phone", hit, || l.deal.id.0.clone());
        }
    }

    /// §3.15 `dq.timestamp_anomalies`: of the lead's stage changes and close in the period (at
    /// or before A), those stamped before its creation (its cycle and the stay of its creation
    /// stage are clamped to 0 s then). Each event once: a close with its stage change at the
    /// same instant is one event. Synthetic deals carry no CRM history and are skipped.
    fn lead_time_anomalies(&mut self, l: &LeadView<'_>) {
        if l.deal.synthetic {
            return;
        }
        let (from, to, a) = (self.from, self.to, self.a);
        let read = |t: &Micros| from <= *t && *t < to && *t <= a;
        let mut events: Vec<Micros> = l
            .stages
            .iter()
            .map(|c| c.at.timestamp_micros())
            .filter(read)
            .collect();
        // The deal's own close only when its history records none (as `win_loss` reads it):
        // a `closed_at` a second off its status change is the same close.
        let close_recorded = l.stages.iter().any(|c| self.reference.closes(c));
        if let Some(c) = l.closed.filter(read)
            && !close_recorded
        {
            events.push(c);
        }
        for t in events {
            self.dq_add("dq.timestamp_anomalies", t < l.created, || {
                format!(
                    "lead {} changed at {} before its creation at {}",
                    l.deal.id,
                    from_micros(t).to_rfc3339(),
                    l.deal.created_at.to_rfc3339()
                )
            });
        }
    }

    fn speed_to_lead(&mut self, input: &LeadInput<'_, '_>, touches: &[LeadTouch]) {
        let l = input.lead;
        let created = l.created;
        if !self.in_period(created) || created > self.a {
            return;
        }
        let place = l.stage_at(created);
        let manual = self
            .reference
            .created_by
            .get(l.deal.id.as_str())
            .is_some_and(|by| self.is_staff(by));
        if manual && !self.cfg.stl_include_manual_leads {
            let mgr = self.manager_id(l.responsible_at(created));
            let key = self.key(created, mgr, "-", None, place, ChatKind::Direct, 0);
            self.acc.apply(&key, |a| a.stl_excluded += 1);
            return;
        }
        let expiry = created + self.cfg.stl_expiry * SEC;
        let closed = self.first_close(input);
        // K1: a touch at the expiry instant still counts; K14: a touch at the close instant wins.
        let first = touches
            .first()
            .filter(|t| t.0 <= expiry && closed.is_none_or(|c| t.0 <= c));
        let (outcome, end, state) = match first {
            Some(t) => ("touched", t.0, ItemState::Answered),
            None => match closed.filter(|c| *c <= self.a && *c <= expiry) {
                Some(c) => ("closed", c.max(created), ItemState::EndedUnanswered),
                None if self.a >= expiry => ("expired", expiry, ItemState::EndedUnanswered),
                None => ("open", self.a, ItemState::Open),
            },
        };
        // K18 `stl_attribution`; a touch without a known author falls back to the responsible
        // at the touch.
        let mgr = match (self.cfg.stl_attribution, first) {
            (StlAttribution::AtCreation, _) => self.manager_id(l.responsible_at(created)),
            (StlAttribution::FirstTouch, Some(&(_, _, m))) if m != 0 => m,
            (_, Some(&(t, _, _))) => self.manager_id(l.responsible_at(t)),
            (_, None) => self.manager_id(l.responsible_at(self.e)),
        };
        let cal = (end - created).max(0);
        let bus = {
            let p = self.cal_pos(mgr);
            self.cals.at(p)
        }
        .business_micros(created, end);
        let measure = if self.cfg.stl_basis == Basis::Business {
            bus
        } else {
            cal
        };
        let targets = self.cfg.stl_targets.clone();
        let mut key = self.key(created, mgr, "-", None, place, ChatKind::Direct, 0);
        // §6 `outcome`: the item's (manual leads left out above have none).
        key.outcome = outcome_code(outcome);
        self.acc.apply(&key, |a| {
            a.stl_items += 1;
            *a.stl_outcomes.entry(outcome).or_insert(0) += 1;
            if outcome == "touched" {
                a.stl.push(cal, bus);
            }
            for (i, t) in targets.iter().enumerate() {
                a.stl_sla[i].add(classify(measure, *t, state));
            }
        });
        self.dq_unassigned(
            "dq.unassigned_items.lead.speed_to_lead",
            mgr,
            l.deal.id.as_str(),
        );
    }

    fn win_loss(&mut self, input: &LeadInput<'_, '_>) {
        let l = input.lead;
        // The last close in the period: instant, kind, the stage change that recorded it.
        let mut last: Option<(Micros, StageKind, Option<&StageChange>)> = None;
        for c in &l.stages {
            let t = c.at.timestamp_micros();
            if !self.in_period(t) || t > self.a {
                continue;
            }
            if let Some(s) = &c.to_stage {
                let k = self.reference.stage_kind(s);
                if k != StageKind::Open {
                    last = Some((t, k, Some(*c)));
                }
            }
        }
        // A close the stage history does not record (no change of the lead, also before the
        // period, is to a closed stage) is read from the deal itself.
        let close_recorded = l.stages.iter().any(|c| self.reference.closes(c));
        if last.is_none()
            && !close_recorded
            && let (Some(c), Some(s)) = (l.closed, &l.deal.stage)
        {
            let k = self.reference.stage_kind(s);
            if k != StageKind::Open && self.in_period(c) && c <= self.a {
                last = Some((c, k, None));
            }
        }
        let Some((at, kind, from)) = last else {
            return;
        };
        let who = match self.cfg.win_attribution {
            WinAttribution::AtClose => l.responsible_at(at),
            WinAttribution::AtCreation => l.responsible_at(l.created),
        };
        let mgr = self.manager_id(who);
        let won = kind == StageKind::Won;
        let price = l.deal.price.unwrap_or(0);
        let cal = (at - l.created).max(0);
        let bus = {
            let p = self.cal_pos(mgr);
            self.cals.at(p)
        }
        .business_micros(l.created, at);
        // Where it closed from (§3.14 "by stage at loss"; the pipeline and stage of a close
        // item, §6): the close's `from`, else where the lead stood just before the close — an
        // open stage; a won/lost stage there (a close with no history) is no stage.
        let before = l.stage_at(at - 1);
        let open = |s: &&str| self.reference.stage_kind_of(s) == StageKind::Open;
        let recorded = from.and_then(|c| {
            let stage = c.from_stage.as_ref().map(|s| s.as_str()).filter(open)?;
            let pipeline = c.from_pipeline.as_ref().or(l.deal.pipeline.as_ref());
            Some((pipeline.map(|p| p.as_str()), Some(stage)))
        });
        let place = recorded.unwrap_or((before.0, before.1.filter(open)));
        let key = self.key(at, mgr, "-", None, place, ChatKind::Direct, 0);
        self.acc.apply(&key, |a| {
            if won {
                a.won += 1;
                a.won_amount += price;
            } else {
                a.lost += 1;
            }
            a.cycle.push(cal, bus);
        });
        self.dq_unassigned("dq.unassigned_items.lead.win_rate", mgr, l.deal.id.as_str());
        if !won && self.acc.selects(&key) {
            let reason = l
                .deal
                .loss_reason
                .clone()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| "(none)".to_owned());
            let stage = place.1.unwrap_or("(none)").to_owned();
            let name = self.managers.name(mgr).to_owned();
            let t = self.leads.losses.entry(reason).or_default();
            t.count += 1;
            *t.by_manager.entry(name).or_insert(0) += 1;
            *t.by_stage.entry(stage).or_insert(0) += 1;
        }
    }

    /// Positions of the lead: (instant, pipeline, stage), the first at creation.
    fn positions<'l>(
        &self,
        input: &LeadInput<'l, '_>,
    ) -> Vec<(Micros, Option<&'l str>, Option<&'l str>)> {
        let (deal, stages) = (input.lead.deal, &input.lead.stages);
        let mut out = Vec::with_capacity(stages.len() + 1);
        let (p0, s0) = match stages.first() {
            Some(f) => (
                f.from_pipeline
                    .as_ref()
                    .or(deal.pipeline.as_ref())
                    .map(|p| p.as_str()),
                f.from_stage.as_ref().map(|s| s.as_str()),
            ),
            None => (
                deal.pipeline.as_ref().map(|p| p.as_str()),
                deal.stage.as_ref().map(|s| s.as_str()),
            ),
        };
        out.push((input.lead.created, p0, s0));
        for c in stages.iter().copied() {
            let t = c.at.timestamp_micros();
            if t > self.a {
                break;
            }
            let p = c
                .to_pipeline
                .as_ref()
                .or(deal.pipeline.as_ref())
                .map(|p| p.as_str());
            out.push((t, p, c.to_stage.as_ref().map(|s| s.as_str())));
        }
        out
    }

    fn stages(&mut self, input: &LeadInput<'_, '_>) {
        let l = input.lead;
        if l.created > self.a {
            return;
        }
        let pos = self.positions(input);
        // Funnel passes per pipeline.
        let mut per_pipeline: BTreeMap<&str, LeadPasses> = BTreeMap::new();
        let pass_through = self.cfg.funnel_mode == FunnelMode::PassThrough;
        let filtered = self.acc.is_filtered();
        for (t, p, s) in &pos {
            let (Some(p), Some(s)) = (p, s) else { continue };
            let who = self.manager_id(l.responsible_at(*t));
            let Some(pipe) = self
                .reference
                .pipelines
                .iter()
                .find(|x| x.id.as_str() == *p)
            else {
                continue;
            };
            let mut open: Vec<_> = pipe
                .stages
                .iter()
                .filter(|s| s.kind == StageKind::Open)
                .collect();
            open.sort_by_key(|s| s.sort);
            let n = open.len();
            // The stage indices passed at `t` (won is index n): pass-through passes every
            // stage before the one entered too.
            let passed = match self.reference.stage_kind_of(s) {
                StageKind::Open => match open.iter().position(|x| x.id.as_str() == *s) {
                    Some(i) if pass_through => 0..i + 1,
                    Some(i) => i..i + 1,
                    None => 0..0,
                },
                StageKind::Won if pass_through => 0..n + 1,
                StageKind::Won => n..n + 1,
                StageKind::Lost => 0..0,
            };
            // Under a filter, each cohort item of stage X is kept by its pass of X: the
            // responsible then, the pipeline and stage X (§3.12's anchor; a lead skipping to a
            // later stage passes X without standing in it). Won is no cohort stage.
            let cohort_ids: Vec<String> = if filtered {
                passed
                    .clone()
                    .filter(|i| *i < n)
                    .map(|i| open[i].id.0.clone())
                    .collect()
            } else {
                Vec::new()
            };
            let first = passed.start;
            let passes = per_pipeline.entry(*p).or_insert_with(|| vec![None; n + 1]);
            for i in passed {
                if passes[i].is_some() {
                    continue;
                }
                let kept = match cohort_ids.get(i - first) {
                    Some(x) => self.lead_item_kept(*t, who, (Some(p), Some(x))),
                    None => true,
                };
                passes[i] = Some((*t, who, kept));
            }
        }
        for (p, v) in per_pipeline {
            entry(&mut self.leads.passes, p).push(v);
        }
        // Stays (actual moves only). `stage_time_unit = lead` sums a lead's stays per stage into
        // one item, open (censored) when one of them is still open; its anchor and attribution
        // are those of its first stay in the period.
        let by_lead = self.cfg.stage_time_unit == StageTimeUnit::Lead;
        let mut summed: Vec<SummedStays> = Vec::new();
        for (i, (t, p, s)) in pos.iter().enumerate() {
            let Some(s) = s else { continue };
            if self.reference.stage_kind_of(s) != StageKind::Open || !self.in_period(*t) {
                continue;
            }
            let exit = pos.get(i + 1).map(|x| x.0);
            let mgr = self.manager_id(l.responsible_at(*t));
            let end = exit.unwrap_or(self.a);
            let cal = (end - t).max(0);
            let bus = {
                let p = self.cal_pos(mgr);
                self.cals.at(p)
            }
            .business_micros(*t, end);
            let stage = (p.unwrap_or_default(), *s);
            if by_lead {
                match summed.iter_mut().find(|x| x.0 == stage) {
                    Some(x) => {
                        x.1 += cal;
                        x.2 += bus;
                        x.3 |= exit.is_none();
                    }
                    None => {
                        let kept = self.lead_item_kept(*t, mgr, (*p, Some(*s)));
                        summed.push((stage, cal, bus, exit.is_none(), mgr, kept));
                    }
                }
                continue;
            }
            self.dq_unassigned("dq.unassigned_items.stage.time", mgr, l.deal.id.as_str());
            if self.lead_item_kept(*t, mgr, (*p, Some(*s))) {
                self.leads.add_stay(stage, mgr, exit.is_none(), cal, bus);
            }
        }
        for (stage, cal, bus, open, mgr, kept) in summed {
            self.dq_unassigned("dq.unassigned_items.stage.time", mgr, l.deal.id.as_str());
            if kept {
                self.leads.add_stay(stage, mgr, open, cal, bus);
            }
        }
    }

    fn followup(&mut self, input: &LeadInput<'_, '_>, touches: &[LeadTouch]) {
        let l = input.lead;
        let e = self.e;
        if !l.open_at(e) {
            return;
        }
        let (pipeline, stage) = l.stage_at(e);
        if let Some(s) = stage
            && (self.reference.stage_kind_of(s) != StageKind::Open
                || self.cfg.followup_excluded_stages.iter().any(|x| x == s))
        {
            return;
        }
        let last = touches.iter().rev().find(|t| t.0 <= e).map(|t| t.0);
        // K7: a lead created before the loaded history with no touch in it is stale with an
        // unknown last touch (not "never touched").
        let history_start = self.from - self.cfg.history_lookback * SEC;
        let unknown = last.is_none() && l.created < history_start;
        let never = last.is_none() && !unknown;
        let last = last.unwrap_or(l.created);
        let mgr = self.manager_id(l.responsible_at(e));
        let stale_from = match self.cfg.followup_basis {
            _ if unknown => i64::MIN,
            Basis::Calendar => last + i64::from(self.cfg.followup_days) * 86_400 * SEC,
            Basis::Business => {
                let cal = {
                    let p = self.cal_pos(mgr);
                    self.cals.at(p)
                }
                .calendar();
                let mut d = cal.local_date(last);
                let mut counted = 0;
                let mut guard = 0;
                while counted < self.cfg.followup_days && guard < 3660 {
                    d += Duration::days(1);
                    guard += 1;
                    if cal.is_working_date(d) {
                        counted += 1;
                    }
                }
                if counted < self.cfg.followup_days {
                    i64::MAX
                } else {
                    cal.day_start(d + Duration::days(1))
                }
            }
        };
        let stale = e >= stale_from;
        let key = self.key(
            e - 1,
            mgr,
            "-",
            None,
            (pipeline, stage),
            ChatKind::Direct,
            0,
        );
        self.acc.apply(&key, |a| {
            a.fu_considered += 1;
            if stale {
                a.fu_stale += 1;
                if never {
                    a.fu_never += 1;
                }
            }
        });
        self.dq_unassigned(
            "dq.unassigned_items.lead.followup_stale",
            mgr,
            l.deal.id.as_str(),
        );
    }
}
