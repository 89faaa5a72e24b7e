//! Calls: volumes, missed calls, missed-call episodes and callback time (metrics.md §3.7).

use crate::analytics::calendar::Micros;
use crate::analytics::config::Basis;
use crate::analytics::engine::{MetricsEngine, SEC};
use crate::analytics::lead::{LeadView, lead_at};
use crate::analytics::stats::{ItemState, classify};
use crate::model::{Call, ChatKind, Direction};

#[derive(Debug, Clone)]
struct Episode {
    start: Micros,
    last_missed: Micros,
    resolved: Option<(&'static str, Micros, Option<String>)>,
}

impl MetricsEngine {
    /// Processes the calls of one phone (any order): volumes, missed calls and missed-call
    /// episodes. `leads` are the leads of the phone's contacts (L3 candidates); `has_phone` is
    /// false for calls without a usable phone (`dq.calls_unmatched`).
    pub fn add_phone_calls(&mut self, calls: &[&Call], leads: &[LeadView<'_>], has_phone: bool) {
        let mut calls: Vec<&Call> = calls
            .iter()
            .copied()
            .filter(|c| c.started_at.timestamp_micros() <= self.a)
            .collect();
        calls.sort_by_key(|c| (c.started_at, c.id.clone()));
        let ahead = self.cfg.lead_link_ahead * SEC;
        let behind = self.cfg.lead_link_behind * SEC;
        let resp = |t: Micros| lead_at(leads, t, ahead, behind).and_then(|l| l.responsible_at(t));
        let pipe = |t: Micros| lead_at(leads, t, ahead, behind).and_then(|l| l.stage_at(t).0);
        let min_talk = self.cfg.reply_call_min_talk_s;
        let merge = self.cfg.missed_call_merge_window * SEC;
        let expiry = self.cfg.callback_expiry * SEC;
        let mut episodes: Vec<Episode> = Vec::new();
        for c in &calls {
            let t = c.started_at.timestamp_micros();
            let connected = c.answered() && c.talk_s >= min_talk;
            if self.in_period(t) {
                let who = match (&c.manager, c.is_missed()) {
                    (Some(m), _) => Some(m.as_str()),
                    (None, _) => resp(t),
                };
                let mgr = self.manager_id(who);
                let key = self.key(t, mgr, "phone", None, pipe(t), ChatKind::Direct, 0);
                let (inbound, missed, talk) = (
                    c.direction == Direction::Inbound,
                    c.is_missed(),
                    u64::from(c.talk_s),
                );
                self.acc.apply(&key, |a| {
                    if inbound {
                        a.calls_in += 1
                    } else {
                        a.calls_out += 1
                    }
                    if connected {
                        a.connected += 1;
                    }
                    if missed {
                        a.missed += 1;
                    }
                    a.talk += talk;
                });
                let unmatched = !has_phone || leads.is_empty();
                self.dq_add("dq.calls_unmatched", unmatched, || c.id.to_string());
            }
            // Episodes (K11: every resolution event resolves all earlier open episodes).
            if c.is_missed() {
                match episodes.last_mut() {
                    Some(e)
                        if e.resolved.is_none()
                            && t - e.last_missed <= merge
                            && t <= e.start + expiry =>
                    {
                        e.last_missed = t;
                    }
                    _ => episodes.push(Episode {
                        start: t,
                        last_missed: t,
                        resolved: None,
                    }),
                }
                continue;
            }
            let outcome = match c.direction {
                Direction::Outbound if connected || !self.cfg.callback_requires_answer => {
                    Some("called_back")
                }
                Direction::Inbound if connected => Some("client_recalled"),
                _ => None,
            };
            if let Some(o) = outcome {
                let who = match o {
                    "called_back" => c
                        .manager
                        .as_ref()
                        .map(|m| m.to_string())
                        .or_else(|| resp(t).map(str::to_owned)),
                    _ => resp(t).map(str::to_owned),
                };
                for e in episodes
                    .iter_mut()
                    .filter(|e| e.resolved.is_none() && e.start < t && t <= e.start + expiry)
                {
                    e.resolved = Some((o, t, who.clone()));
                }
            }
        }
        let basis = self.cfg.callback_basis;
        let targets = self.cfg.callback_targets.clone();
        for e in episodes {
            if !self.in_period(e.start) {
                continue;
            }
            let (outcome, end, who, state) = match e.resolved {
                Some(("called_back", at, who)) => ("called_back", at, who, ItemState::Answered),
                Some((o, at, who)) => (o, at, who, ItemState::EndedUnanswered),
                None if self.a >= e.start + expiry => {
                    let end = e.start + expiry;
                    (
                        "not_called_back",
                        end,
                        resp(end).map(str::to_owned),
                        ItemState::EndedUnanswered,
                    )
                }
                None => (
                    "open",
                    self.a,
                    resp(self.a).map(str::to_owned),
                    ItemState::Open,
                ),
            };
            let mgr = self.manager_id(who.as_deref());
            let cal = (end - e.start).max(0);
            let bus = {
                let p = self.cal_pos(mgr);
                self.cals.at(p)
            }
            .business_micros(e.start, end);
            let measure = if basis == Basis::Business { bus } else { cal };
            let key = self.key(
                e.start,
                mgr,
                "phone",
                None,
                pipe(e.start),
                ChatKind::Direct,
                0,
            );
            self.acc.apply(&key, |a| {
                a.episodes += 1;
                *a.ep_outcomes.entry(outcome).or_insert(0) += 1;
                if outcome == "called_back" {
                    a.callback.push(cal, bus);
                }
                for (i, t) in targets.iter().enumerate() {
                    a.cb_sla[i].add(classify(measure, *t, state));
                }
            });
        }
    }
}
