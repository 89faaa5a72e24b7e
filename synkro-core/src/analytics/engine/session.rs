//! Sessions (§2.1): how one ends, its dialog row (§2.4) and what it adds to the aggregates.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::analytics::config::{OUTCOMES, outcome_code};
use crate::analytics::engine::wait::{Outcome, WaitState};

/// A session being rebuilt.
#[derive(Debug)]
pub(super) struct SessionState {
    pub(super) no: u32,
    pub(super) start: Micros,
    pub(super) initiator: u8,
    pub(super) last_act: Micros,
    pub(super) client: u32,
    pub(super) client_sub: u32,
    pub(super) human: u32,
    pub(super) bot: u32,
    pub(super) unknown: u32,
    pub(super) waits: u32,
    pub(super) answered: u32,
    /// The message that opened the first wait (its index in [`ChatInput::message`]).
    pub(super) first_wait: Option<u32>,
    pub(super) last_outcome: Option<Outcome>,
    pub(super) last_wait_end: Option<Micros>,
    pub(super) pending_close: Option<Micros>,
    pub(super) first_response: Option<(i64, i64)>,
    pub(super) key: Key,
    pub(super) lead: Option<String>,
    pub(super) responsible: u32,
    pub(super) active_keys: Vec<Key>,
    pub(super) participation: Vec<Key>,
}

impl MetricsEngine {
    pub(super) fn end_session(
        &mut self,
        mut s: SessionState,
        _at: Option<Micros>,
        open_wait: &Option<WaitState>,
        input: &ChatInput<'_, '_>,
    ) {
        let gap = self.cfg.session_gap * SEC;
        let natural = (s.last_act + gap).max(s.last_wait_end.unwrap_or(i64::MIN));
        let (end, reason) = if open_wait.is_some() {
            (None, "ongoing")
        } else if let Some(c) = s.pending_close.filter(|c| *c <= natural) {
            (Some(c), "crm_close")
        } else if natural <= self.a {
            (Some(natural), "gap")
        } else {
            (None, "ongoing")
        };
        let is_dialog = s.client_sub > 0;
        let group = input.chat.kind == ChatKind::Group;
        // §3.5 (K9): group dialogs have no never-answered status unless their waits count.
        let count_rate = is_dialog && (!group || self.cfg.group_chats_in_waits);
        let never =
            (count_rate && s.waits > 0 && s.answered == 0).then_some(match s.last_outcome {
                Some(Outcome::Expired) => "lost_expired",
                Some(Outcome::Closed) => "lost_closed",
                _ => "awaiting",
            });
        // §6 `outcome` of the session (one item, one outcome): the dialog's never-answered
        // status, `answered` once a wait was answered, `-` for a session that is no dialog, has
        // no wait, or is a group dialog §3.5 leaves out. Every session counter, the distinct
        // counts (`dialog.active`, `dialog.participation`, whose keys are the buckets of its
        // messages) and the dialog row carry it.
        let outcome = outcome_code(match never {
            Some(status) => status,
            None if count_rate && s.answered > 0 => "answered",
            None => "-",
        });
        if !s.active_keys.is_empty() && is_dialog {
            s.active_keys.iter_mut().for_each(|k| k.outcome = outcome);
            self.acc.apply_distinct(&s.active_keys, |a| a.active += 1);
        }
        if is_dialog && !s.participation.is_empty() {
            s.participation.iter_mut().for_each(|k| k.outcome = outcome);
            self.acc
                .apply_distinct(&s.participation, |a| a.participation += 1);
        }
        // The session's buffers serve the next one.
        let (mut keys, mut participation) = (
            std::mem::take(&mut s.active_keys),
            std::mem::take(&mut s.participation),
        );
        keys.clear();
        participation.clear();
        (self.spare.keys, self.spare.participation) = (keys, participation);
        if !self.in_period(s.start) {
            return;
        }
        s.key.outcome = outcome;
        let initiator = INITIATORS[s.initiator as usize];
        // S5: staff messages without a substantive client message are outreach (acks or not);
        // client acks alone are ack-only.
        let staff = s.human + s.bot + s.unknown > 0;
        let outreach = !is_dialog && staff;
        let ack_only = !is_dialog && !staff && s.client > 0;
        let na_counts = count_rate && never.is_some();
        self.acc.apply(&s.key, |a| {
            a.sessions += 1;
            if is_dialog {
                a.new += 1;
                *a.new_by.entry(initiator).or_insert(0) += 1;
            }
            if outreach {
                a.outreach += 1;
            }
            if ack_only {
                a.ack_only += 1;
            }
            if count_rate {
                a.na_denominator += 1;
            }
            if na_counts {
                match never {
                    Some("lost_expired") => a.na_expired += 1,
                    Some("lost_closed") => a.na_closed += 1,
                    _ => a.na_awaiting += 1,
                }
            }
        });
        if is_dialog {
            // §3.15: a dialog of the period whose responsible at its start is no one (§5.5),
            // sampled as `<chat>#<session_no>` (its row in the dialog export).
            self.dq_add("dq.unassigned_items.dialog.new", s.responsible == 0, || {
                format!("{}#{}", input.chat.id, s.no)
            });
        }
        if is_dialog && self.acc.selects(&s.key) {
            self.dialog_rows.push(DialogRow {
                chat: input.chat.id.0.clone(),
                session_no: s.no,
                lead: s.lead.take(),
                channel: input.chat.channel.as_str().to_owned(),
                chat_kind: if group { "group" } else { "direct" }.to_owned(),
                start: from_micros(s.start),
                end: end.map(from_micros),
                end_reason: reason.to_owned(),
                initiator: initiator.to_owned(),
                responsible: self.managers.name(s.responsible).to_owned(),
                client_messages: s.client,
                client_substantive: s.client_sub,
                human_messages: s.human,
                bot_messages: s.bot,
                waits: s.waits,
                answered_waits: s.answered,
                first_response_calendar_s: s.first_response.map(|x| x.0 as f64 / 1e6),
                first_response_business_s: s.first_response.map(|x| x.1 as f64 / 1e6),
                never_answered: never.map(str::to_owned),
                outcome: OUTCOMES[usize::from(outcome)].to_owned(),
                pipeline: (s.key.pipeline != 0)
                    .then(|| self.pipelines.name(s.key.pipeline).to_owned()),
                unknown_messages: s.unknown,
                first_wait: s.first_wait.map(|i| input.message(i).id.0.clone()),
            });
        }
    }
}
