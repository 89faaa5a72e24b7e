//! Waits (§2.2): how one ends, and what it adds to the aggregates, the per-day snapshots
//! (§3.4) and the wait rows (§2.4).

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::analytics::config::OUTCOMES;
use crate::analytics::engine::session::SessionState;
use crate::analytics::engine::timeline::Timeline;
use crate::analytics::report::WaitRow;

/// How a wait ended (W9); the discriminant is the `outcome` code (an index of [`OUTCOMES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Outcome {
    Answered = 1,
    Open = 2,
    Closed = 3,
    Expired = 4,
}

impl Outcome {
    /// The `outcome` dimension's code.
    fn code(self) -> u8 {
        self as u8
    }

    /// The label of the wait rows and the `outcome` rows.
    fn label(self) -> &'static str {
        OUTCOMES[usize::from(self.code())]
    }
}

/// An open wait: its first and last substantive client message.
#[derive(Debug)]
pub(super) struct WaitState {
    pub(super) start: Micros,
    /// The opening message (its index in [`ChatInput::message`]): the wait's id in data-quality
    /// samples.
    pub(super) opening: u32,
    pub(super) last_sub: Micros,
    pub(super) first: bool,
    /// With `wait_anchor = last`, every substantive client message after the opening one (ages
    /// at E and at each day end start from the last one at or before that instant, K3); empty
    /// otherwise.
    pub(super) later: Vec<Micros>,
}

impl WaitState {
    /// A wait opened at `t` by message `opening`.
    pub(super) fn new(t: Micros, opening: u32, first: bool) -> Self {
        Self {
            start: t,
            opening,
            last_sub: t,
            first,
            later: Vec::new(),
        }
    }
}

impl MetricsEngine {
    /// Where a wait's durations and ages measured at `at` start (K3): its opening message, or
    /// with `wait_anchor = last` the last substantive client message at or before `at`.
    fn moved_start(&self, w: &WaitState, at: Micros) -> Micros {
        match self.cfg.wait_anchor {
            WaitAnchor::First => w.start,
            WaitAnchor::Last => w
                .later
                .iter()
                .rev()
                .find(|t| **t <= at)
                .copied()
                .unwrap_or(w.start),
        }
    }

    /// A wait's snapshot at `at` (§3.4): the wait's key with `owner` (and `owner`'s working time
    /// at the wait's start) and the lead's `(pipeline, stage)` ids then, in the bucket of the
    /// instant before `at`, and its age then: calendar, business on `owner`'s calendar, and the
    /// one `sla_basis` measures.
    fn snapshot(
        &mut self,
        w: &WaitState,
        at: Micros,
        owner: u32,
        (pipeline, stage): (u32, u32),
        key: Key,
    ) -> (Key, (i64, i64, i64)) {
        let from = self.moved_start(w, at);
        let cal = self.cal_pos(owner);
        let index = self.cals.at(cal);
        let (age_cal, age_bus) = ((at - from).max(0), index.business_micros(from, at));
        let mut k = key;
        k.manager = owner;
        k.team = self.team_of(owner);
        (k.pipeline, k.stage) = (pipeline, stage);
        if self.in_hours_dim {
            k.in_hours = u8::from(self.cals.at(cal).in_hours(w.start));
        }
        (k.day, k.hour, k.weekday) = self.buckets.get(at - 1);
        let measure = if self.cfg.sla_basis == Basis::Business {
            age_bus
        } else {
            age_cal
        };
        (k, (age_cal, age_bus, measure))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn end_wait(
        &mut self,
        w: &WaitState,
        outcome: Outcome,
        end: Option<Micros>,
        reply: Option<(Option<&str>, &'static str)>,
        sess: Option<&mut SessionState>,
        input: &ChatInput<'_, '_>,
        timeline: &mut Timeline<'_, '_>,
        group: bool,
    ) {
        let Some(s) = sess else { return };
        s.last_outcome = Some(outcome);
        s.last_wait_end = end;
        if outcome == Outcome::Answered {
            s.answered += 1;
        }
        let in_period = self.in_period(w.start);
        let open_at_e = w.start < self.e && end.is_none_or(|x| x > self.e);
        // The day ends (ascending) the wait is open at: after its start, before its end.
        let open_days = {
            let lo = self.day_ends.partition_point(|(_, de)| *de <= w.start);
            let hi = end.map_or(self.day_ends.len(), |x| {
                self.day_ends.partition_point(|(_, de)| *de < x)
            });
            lo..hi.max(lo)
        };
        let open_at_a_day_end = !open_days.is_empty();
        if !in_period && !open_at_e && !open_at_a_day_end {
            return;
        }
        let at_start = timeline.at(
            w.start,
            &mut self.managers,
            &mut self.pipelines,
            &mut self.stages,
        );
        if group && !self.cfg.group_chats_in_waits {
            if in_period {
                // G4: counted only as left out, anchored at its start (§4.7) with the
                // responsible then, in the row of its outcome.
                let (channel, connection) = self.chat_dims;
                let mut key = self.key_ids(
                    w.start,
                    at_start.responsible_id,
                    channel,
                    connection,
                    at_start.place(),
                    input.chat.kind,
                    s.initiator,
                );
                key.outcome = outcome.code();
                self.acc.apply(&key, |a| a.group_excluded += 1);
            }
            return;
        }
        let end_at = end.unwrap_or(self.a);
        let owner_at = |e: &mut Self, timeline: &mut Timeline<'_, '_>, t: Micros| {
            timeline
                .at(t, &mut e.managers, &mut e.pipelines, &mut e.stages)
                .responsible_id
        };
        let mgr = match (self.cfg.attribution, outcome) {
            (Attribution::OwnerAtStart, _) => at_start.responsible_id,
            (Attribution::Replier, Outcome::Answered) => match reply.and_then(|r| r.0) {
                Some(author) => self.manager_id(Some(author)),
                None => owner_at(self, timeline, end_at),
            },
            _ => owner_at(self, timeline, end_at),
        };
        // A snapshot (at E, or at a day's end) is of a wait unanswered then: it belongs to the
        // responsible at that instant, whose calendar measures its age (§5.5), unless waits go
        // to the owner at their start; its pipeline and stage are the lead's then (its anchor,
        // §4.7). A look back at a day's end must not move the chat's cursor off its message.
        let snapshot_at = |e: &mut Self, timeline: &mut Timeline<'_, '_>, t: Micros| {
            let then = timeline.peek(t, &mut e.managers, &mut e.pipelines, &mut e.stages);
            let owner = match e.cfg.attribution {
                Attribution::OwnerAtStart => at_start.responsible_id,
                _ => then.responsible_id,
            };
            (owner, then.place())
        };
        let mstart = self.moved_start(w, end_at);
        let cal_ix = {
            let p = self.cal_pos(mgr);
            self.cals.at(p)
        };
        let cal = (end_at - mstart).max(0);
        let bus = cal_ix.business_micros(mstart, end_at);
        let in_hours = self.cfg.export_waits && cal_ix.in_hours(w.start);
        let measure = if self.cfg.sla_basis == Basis::Business {
            bus
        } else {
            cal
        };
        let (channel, connection) = self.chat_dims;
        let mut key = self.key_ids(
            w.start,
            mgr,
            channel,
            connection,
            at_start.place(),
            input.chat.kind,
            s.initiator,
        );
        // The outcome at A (P4), kept by the snapshots below: one wait, one outcome, whichever
        // of its counters a breakdown or filter looks at.
        key.outcome = outcome.code();
        // §3.4 per-day series and the day rows (P2): the snapshot at each day bucket's end.
        if open_at_a_day_end {
            for i in open_days {
                let de = self.day_ends[i].1;
                let (owner, place) = snapshot_at(self, timeline, de);
                let (skey, age) = self.snapshot(w, de, owner, place, key);
                if !self.acc.selects(&skey) {
                    continue;
                }
                let (open, overdue) = &mut self.open_by_day[i];
                *open += 1;
                for (o, t) in overdue.iter_mut().zip(&self.cfg.sla_targets) {
                    if age.2 > t * SEC {
                        *o += 1;
                    }
                }
                self.acc.apply(&skey, |a| a.day_open.add(age, &a.sla));
            }
        }
        if !in_period && !open_at_e {
            return;
        }
        let state = match outcome {
            Outcome::Answered => ItemState::Answered,
            Outcome::Open => ItemState::Open,
            _ => ItemState::EndedUnanswered,
        };
        let lead = at_start.lead;
        let chat = input.chat;
        let first_frt = w.first && self.frt[s.initiator as usize];
        if w.first && outcome == Outcome::Answered && self.frt[s.initiator as usize] {
            s.first_response = Some((cal, bus));
        }
        // Snapshot at E (§3.4): aged from the anchor at or before E, on its owner's calendar. A
        // last day that E cuts short has it as its day-end snapshot too.
        if open_at_e {
            let (owner, place) = snapshot_at(self, timeline, self.e);
            let (ekey, age) = self.snapshot(w, self.e, owner, place, key);
            let partial_day = self.day_ends.last().is_none_or(|(_, de)| *de != self.e);
            self.acc.apply(&ekey, |a| {
                a.at_end.add(age, &a.sla);
                if partial_day {
                    a.day_open.add(age, &a.sla);
                }
            });
        }
        if !in_period {
            return;
        }
        // §3.15: a wait of the period attributed to no one (§5.5), sampled by its opening message.
        let opening = input.message(w.opening);
        self.dq_unassigned("dq.unassigned_items.wait", mgr, opening.id.as_str());
        // The SLA status per target, once for the totals and every breakdown row.
        let mut statuses = std::mem::take(&mut self.sla_scratch);
        statuses.clear();
        statuses.extend(
            self.cfg
                .sla_targets
                .iter()
                .map(|t| classify(measure, *t, state)),
        );
        self.acc.apply(&key, |a| {
            a.waits += 1;
            match outcome {
                Outcome::Answered => {
                    a.answered += 1;
                    a.reply.push(cal, bus);
                    if first_frt {
                        a.first.push(cal, bus);
                    } else if !w.first {
                        a.next.push(cal, bus);
                    }
                }
                Outcome::Open => a.open += 1,
                Outcome::Closed => a.closed += 1,
                Outcome::Expired => a.expired += 1,
            }
            for (c, st) in a.sla.iter_mut().zip(&statuses) {
                c.add(*st);
            }
            if first_frt {
                for (c, st) in a.sla_first.iter_mut().zip(&statuses) {
                    c.add(*st);
                }
            }
        });
        self.sla_scratch = statuses;
        if self.cfg.export_waits && self.acc.selects(&key) {
            // `reply` names the closer of a closed wait; only an answer is a reply.
            let answer = reply.filter(|_| outcome == Outcome::Answered);
            let secs = |us: Micros| us as f64 / 1e6;
            let end_owner = owner_at(self, timeline, end_at);
            // §3.3 `due_at`: where the SLA measure (from the measured start, in the attributed
            // manager's calendar on business time) reaches each target.
            let cal_ix = {
                let p = self.cal_pos(mgr);
                self.cals.at(p)
            };
            let due_at = self
                .cfg
                .sla_targets
                .iter()
                .map(|t| {
                    let due = if self.cfg.sla_basis == Basis::Business {
                        cal_ix.add_business(mstart, t * SEC)
                    } else {
                        Some(mstart + t * SEC)
                    };
                    (*t, due.map(from_micros))
                })
                .collect();
            let calendar = cal_ix.calendar().id().to_owned();
            self.wait_rows.push(WaitRow {
                chat: chat.id.0.clone(),
                session_no: s.no,
                first: w.first,
                start: from_micros(w.start),
                last_client_message: from_micros(w.last_sub),
                end: end.map(from_micros),
                outcome: outcome.label().to_owned(),
                reply_author: answer.and_then(|r| r.0).map(str::to_owned),
                reply_channel: answer.map(|r| r.1.to_owned()),
                closed_by: (outcome == Outcome::Closed)
                    .then(|| reply.and_then(|r| r.0))
                    .flatten()
                    .map(str::to_owned),
                calendar_s: secs(cal),
                business_s: secs(bus),
                calendar,
                in_hours,
                manager: self.managers.name(mgr).to_owned(),
                owner_at_start: self.manager_name(at_start.responsible_id),
                owner_at_end: self.manager_name(end_owner),
                sla: self
                    .cfg
                    .sla_targets
                    .iter()
                    .map(|t| (*t, classify(measure, *t, state)))
                    .collect(),
                due_at,
                lead: lead.map(|l| l.deal.id.0.clone()),
                pipeline: (at_start.pipeline_id != 0)
                    .then(|| self.pipelines.name(at_start.pipeline_id).to_owned()),
                channel: chat.channel.as_str().to_owned(),
                connection: chat.connection.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Outcome;

    /// The codes index the shared label table: a reordered `OUTCOMES` would mislabel waits.
    #[test]
    fn wait_outcome_codes_name_their_outcome() {
        let labels = [
            Outcome::Answered,
            Outcome::Open,
            Outcome::Closed,
            Outcome::Expired,
        ]
        .map(Outcome::label);
        assert_eq!(labels, ["answered", "open", "closed", "expired"]);
    }
}
