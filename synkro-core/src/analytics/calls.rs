//! Calls: volumes, missed calls, missed-call episodes and callback time (metrics.md §3.7).

use crate::analytics::calendar::Micros;
use crate::analytics::config::{Basis, CallbackAttribution, outcome_code};
use crate::analytics::engine::{MetricsEngine, SEC, Touch};
use crate::analytics::lead::{ContactView, LeadView, lead_at, owner_at};
use crate::analytics::stats::{ItemState, classify};
use crate::model::{Call, ChatKind, Direction};

/// An episode's resolution: outcome, instant, and the manager who called back (0: unknown).
type Resolution = (&'static str, Micros, u32);

#[derive(Debug, Clone)]
struct Episode {
    start: Micros,
    last_missed: Micros,
    resolved: Option<Resolution>,
    /// The first missed call (the item's id in samples).
    first_call: String,
}

impl MetricsEngine {
    /// Processes the calls of one phone (any order): volumes, missed calls and missed-call
    /// episodes. `leads` are the leads of the phone's contacts (L3 candidates; deleted ones are
    /// never chosen and count as no lead); `contacts` are the contacts holding the phone, whose
    /// responsible answers for the phone when no lead gives one (§5.5, K12; the first of them, by
    /// id, with a responsible). `has_phone` is false for calls
    /// without a usable phone (`dq.calls_unmatched`). `chat_touches` are the human messages (from
    /// [`add_chat`](Self::add_chat)) in chats with this phone: each resolves the open episodes as
    /// `called_back` when `callback_channels` has `chat` (§3.7).
    pub fn add_phone_calls(
        &mut self,
        calls: &[&Call],
        leads: &[LeadView<'_>],
        contacts: &[ContactView<'_>],
        has_phone: bool,
        chat_touches: &[Touch],
    ) {
        let mut calls: Vec<&Call> = calls
            .iter()
            .copied()
            .filter(|c| c.started_at.timestamp_micros() <= self.a)
            .collect();
        calls.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        let ahead = self.cfg.lead_link_ahead * SEC;
        let behind = self.cfg.lead_link_behind * SEC;
        let mut contacts: Vec<&ContactView<'_>> = contacts.iter().collect();
        contacts.sort_by(|a, b| a.contact.id.cmp(&b.contact.id));
        let resp = |t: Micros| {
            owner_at(
                lead_at(leads, t, ahead, behind),
                contacts.iter().copied(),
                t,
            )
        };
        let pipe =
            |t: Micros| lead_at(leads, t, ahead, behind).map_or((None, None), |l| l.stage_at(t));
        let min_talk = self.cfg.reply_call_min_talk_s;
        let merge = self.cfg.missed_call_merge_window * SEC;
        let expiry = self.cfg.callback_expiry * SEC;
        // Events in C5 order: an outbound message (class 1) before a call (class 2) at one instant.
        let mut events: Vec<(Micros, u8, usize)> = calls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.started_at.timestamp_micros(), 2, i))
            .collect();
        if has_phone && self.cfg.callback_channels.iter().any(|c| c == "chat") {
            events.extend(
                chat_touches
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.at <= self.a)
                    .map(|(i, t)| (t.at, 1, i)),
            );
        }
        events.sort_by_key(|e| (e.0, e.1));
        let mut episodes: Vec<Episode> = Vec::new();
        for (t, class, i) in events {
            let outcome = if class == 1 {
                Some(("called_back", chat_touches[i].manager))
            } else {
                let c = calls[i];
                let connected = c.answered() && c.talk_s >= min_talk;
                let mgr = self.manager_id(c.manager.as_ref().map(|m| m.as_str()));
                if self.in_period(t) {
                    // §5.5: the call's manager; a missed call (or one without a manager) → the
                    // responsible of the phone's lead at the call.
                    let who = if mgr != 0 && !c.is_missed() {
                        mgr
                    } else {
                        self.manager_id(resp(t))
                    };
                    let key = self.key(t, who, "phone", None, pipe(t), ChatKind::Direct, 0);
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
                    let unmatched = !has_phone || leads.iter().all(|l| l.deleted);
                    self.dq_add("dq.calls_unmatched", unmatched, || c.id.to_string());
                    self.dq_unassigned("dq.unassigned_items.call.volume", who, c.id.as_str());
                }
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
                            first_call: c.id.to_string(),
                        }),
                    }
                    continue;
                }
                match c.direction {
                    Direction::Outbound if connected || !self.cfg.callback_requires_answer => {
                        Some(("called_back", mgr))
                    }
                    Direction::Inbound if connected => Some(("client_recalled", 0)),
                    _ => None,
                }
            };
            // K11: the first resolution event after an episode's start resolves it; one event can
            // resolve several episodes of the phone. K1: an event at start + expiry still counts.
            if let Some((o, who)) = outcome {
                for e in episodes
                    .iter_mut()
                    .filter(|e| e.resolved.is_none() && e.start < t && t <= e.start + expiry)
                {
                    e.resolved = Some((o, t, who));
                }
            }
        }
        let basis = self.cfg.callback_basis;
        let targets = self.cfg.callback_targets.clone();
        for e in episodes {
            if !self.in_period(e.start) {
                continue;
            }
            let (outcome, end, caller, state) = match e.resolved {
                Some(("called_back", at, who)) => ("called_back", at, who, ItemState::Answered),
                Some((o, at, _)) => (o, at, 0, ItemState::EndedUnanswered),
                None if self.a >= e.start + expiry => (
                    "not_called_back",
                    e.start + expiry,
                    0,
                    ItemState::EndedUnanswered,
                ),
                None => ("open", self.a, 0, ItemState::Open),
            };
            // §5.5 / K18 `callback_attribution`. `caller`: the manager who called back (unknown →
            // responsible at the callback); a client recall → the responsible of the phone's lead
            // at the recall (K12); unresolved → the responsible at the episode's end.
            let mgr = match self.cfg.callback_attribution {
                CallbackAttribution::AtEpisodeStart => self.manager_id(resp(e.start)),
                CallbackAttribution::Caller if caller != 0 => caller,
                CallbackAttribution::Caller => self.manager_id(resp(end)),
            };
            let cal = (end - e.start).max(0);
            let bus = {
                let p = self.cal_pos(mgr);
                self.cals.at(p)
            }
            .business_micros(e.start, end);
            let measure = if basis == Basis::Business { bus } else { cal };
            let mut key = self.key(
                e.start,
                mgr,
                "phone",
                None,
                pipe(e.start),
                ChatKind::Direct,
                0,
            );
            // §6 `outcome`: the episode's (call volumes above have none).
            key.outcome = outcome_code(outcome);
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
            self.dq_unassigned("dq.unassigned_items.call.callback", mgr, &e.first_call);
        }
    }
}
