//! One chat at a time: author classification (§1.6), the chat's events in order, message volumes
//! (§3.8) and `dq.truncated_history` (K8); sessions end in `session.rs`, waits in `wait.rs`.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::analytics::agg::MsgCounts;
use crate::analytics::engine::session::SessionState;
use crate::analytics::engine::timeline::Timeline;
use crate::analytics::engine::wait::{Outcome, WaitState};
use crate::model::ActivityKind;

/// Message cells a chat collects before adding them to the accumulator (a key repeats when the
/// chat returns to it; repeats are summed when they are added).
const LOCAL_CELLS: usize = 32;

/// Marks a class-3 event that is a lead's close (its index is into the leads, not the activities).
const LEAD_CLOSE: u32 = 1 << 31;

/// Per-message data-quality counters whose sample lists are full.
#[derive(Debug, Default)]
struct SamplesFull {
    naive: bool,
    lead: bool,
    author: bool,
    undelivered: bool,
    unassigned_in: bool,
    unassigned_out: bool,
}

/// `dq.unassigned_items` of the message volumes (§3.15): client messages (`msg.in`) and
/// outbound ones (`msg.out.*`: human, bot, unknown) attributed to no manager (§5.5).
const UNASSIGNED_MSG_IN: &str = "dq.unassigned_items.msg.in";
const UNASSIGNED_MSG_OUT: &str = "dq.unassigned_items.msg.out";
/// §3.15: naive timestamps (C1) and dropped duplicate messages of the period, among the period's
/// messages read — rows read, copies included, so a naive message that also came twice counts
/// twice, over two rows (also a lead's changes before its creation, `leads.rs`).
const TIMESTAMP_ANOMALIES: &str = "dq.timestamp_anomalies";

/// How a message counts (§1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    System,
    Client {
        substantive: bool,
    },
    /// Human staff message; `reply` = it can close a wait (delivered or counted anyway).
    Human {
        reply: bool,
        undelivered: bool,
    },
    Bot(usize),
    Unknown,
}

impl MetricsEngine {
    fn is_known_manager(&self, id: &str) -> bool {
        !self.bot_ids.contains(id) && self.known.as_ref().is_none_or(|k| k.contains(id))
    }

    /// §1.6 author classification; returns the class and the staff author id.
    fn classify<'m>(
        &mut self,
        m: &'m Message,
        group: bool,
        o0_author: Option<&'m str>,
    ) -> (Class, Option<Cow<'m, str>>, bool) {
        let author = m.author_id.as_deref().or(o0_author);
        let borrowed = author.map(Cow::Borrowed);
        if m.author_kind == AuthorKind::System {
            return (Class::System, borrowed.clone(), false);
        }
        if m.direction == Direction::Inbound {
            if group && author.is_some_and(|a| self.cfg.staff_participants.contains_key(a)) {
                let staff = author
                    .and_then(|a| self.cfg.staff_participants.get(a))
                    .map(|x| Cow::Owned(x.clone()));
                return (
                    Class::Human {
                        reply: true,
                        undelivered: false,
                    },
                    staff,
                    false,
                );
            }
            if m.author_kind == AuthorKind::Manager {
                return (
                    Class::Human {
                        reply: true,
                        undelivered: false,
                    },
                    borrowed.clone(),
                    false,
                );
            }
            return (
                Class::Client {
                    substantive: self.ack.is_substantive_memo(m, &mut self.ack_memo),
                },
                None,
                false,
            );
        }
        if author.is_some_and(|a| self.bot_ids.contains(a)) {
            return (Class::Bot(0), borrowed.clone(), false);
        }
        let known = author.is_some_and(|a| self.is_known_manager(a));
        if m.is_template && !known {
            return (Class::Bot(1), borrowed.clone(), false);
        }
        if m.is_broadcast
            || (!self.broadcasts.is_empty() && self.broadcasts.contains(m.id.as_str()))
        {
            return (Class::Bot(2), borrowed.clone(), false);
        }
        if let Some(t) = m.text.as_deref()
            && self.patterns.iter().any(|p| p.is_match(t))
        {
            return (Class::Bot(3), borrowed.clone(), false);
        }
        if m.author_kind == AuthorKind::Bot {
            return (Class::Bot(4), borrowed.clone(), false);
        }
        let undelivered = m.is_undelivered();
        let reply = !undelivered || self.cfg.undelivered_replies_count;
        if known {
            return (Class::Human { reply, undelivered }, borrowed.clone(), false);
        }
        match self.cfg.unknown_outbound_as {
            UnknownOutboundAs::Manager => (Class::Human { reply, undelivered }, None, true),
            UnknownOutboundAs::Unknown => (Class::Unknown, None, true),
        }
    }

    /// Processes one chat: its sessions, waits and messages. Returns the human touches (for
    /// speed to lead and follow-up).
    pub fn add_chat(&mut self, input: &ChatInput<'_, '_>) -> Vec<Touch> {
        // The event and cell buffers are reused from chat to chat.
        let mut ev = std::mem::take(&mut self.spare.events);
        let mut cells = std::mem::take(&mut self.spare.cells);
        ev.clear();
        cells.clear();
        let touches = self.add_chat_with(input, &mut ev, &mut cells);
        (self.spare.events, self.spare.cells) = (ev, cells);
        touches
    }

    fn add_chat_with(
        &mut self,
        input: &ChatInput<'_, '_>,
        ev: &mut Vec<(Micros, u8, u32)>,
        cells: &mut Vec<(Key, MsgCounts)>,
    ) -> Vec<Touch> {
        let chat = input.chat;
        let group = chat.kind == ChatKind::Group;
        let channel = chat.channel.as_str();
        let connection = chat.connection.as_deref();
        let (channel_id, connection_id) = (
            self.channels.id(Some(channel)),
            self.connections.id(connection),
        );
        self.chat_dims = (channel_id, connection_id);
        let mut active_in_period = false;
        let mut dq_lead = (0u64, 0u64);
        let mut dq_author = (0u64, 0u64);
        let mut dq_undelivered = (0u64, 0u64);
        // Data-quality samples already full (so later messages skip the lookup).
        let mut samples_full = SamplesFull::default();
        // Events: (instant, class, seq) — C5.
        ev.reserve(input.messages.len() + input.history.len() + input.after.len());
        // Messages before `history_start` (K8 reads them only if there are any).
        let mut before_history = false;
        // §3.15 `dq.timestamp_anomalies`: the period's messages read (copies included) and,
        // of them, those whose time had no offset (C1).
        let (from, to) = (self.from, self.to);
        let (mut read, mut naive) = (0u64, 0u64);
        for (i, m) in input.indexed() {
            let t = us(m.created_at);
            if t > self.a || t < self.history_start {
                before_history |= t < self.history_start;
                continue;
            }
            let in_period = from <= t && t < to;
            read += u64::from(in_period);
            if m.naive_time && in_period {
                naive += 1;
                if !samples_full.naive {
                    samples_full.naive = !self.dq_sample(TIMESTAMP_ANOMALIES, || {
                        format!("message {} without a time zone offset", m.id)
                    });
                }
            }
            ev.push((t, u8::from(m.direction == Direction::Outbound), i));
        }
        ev.sort_unstable();
        // C5: messages of one instant and class follow their ids, not the order they came in
        // (which also puts copies of one message next to each other). The sources give no
        // sequence number, so C5's "source sequence" is skipped; ids compare by `c5_id_order`.
        let mut i = 0;
        while i < ev.len() {
            let (t, class, _) = ev[i];
            let mut j = i + 1;
            while j < ev.len() && ev[j].0 == t && ev[j].1 == class {
                j += 1;
            }
            if j - i > 1 {
                ev[i..j].sort_by(|a, b| {
                    c5_id_order(
                        input.message(a.2).id.as_str(),
                        input.message(b.2).id.as_str(),
                    )
                });
            }
            i = j;
        }
        // De-duplicate by id (a copy carries the same instant, so it is next to it now). §3.15
        // `dq.timestamp_anomalies` counts the dropped copies of the period too.
        let mut dropped = 0u64;
        ev.dedup_by(|b, a| {
            let copy = a.0 == b.0 && a.1 == b.1 && input.message(a.2).id == input.message(b.2).id;
            dropped += u64::from(copy && from <= b.0 && b.0 < to);
            copy
        });
        let e = self.dq.entry(TIMESTAMP_ANOMALIES).or_default();
        (e.count, e.denominator) = (e.count + naive + dropped, e.denominator + read);
        for _ in 0..dropped {
            if !self.dq_sample(TIMESTAMP_ANOMALIES, || {
                format!("duplicate message in chat {}", chat.id)
            }) {
                break;
            }
        }
        let messages = ev.len();
        if self.reply_by_call {
            for (i, c) in input.calls.iter().enumerate() {
                let t = us(c.started_at);
                if t <= self.a && c.answered() && c.talk_s >= self.cfg.reply_call_min_talk_s {
                    ev.push((t, 2, i as u32));
                }
            }
        }
        // CRM activities of the chat's leads and contacts (§1.4): closed conversations end the
        // session and any open wait (S3 a, W5); notes close waits when configured (W7).
        let mut o0_events: Vec<(Micros, &str)> = Vec::new();
        for (i, act) in input.activities.iter().enumerate() {
            let t = us(act.at);
            if t > self.a {
                continue;
            }
            match act.kind {
                ActivityKind::ChatClosed => ev.push((t, 3, i as u32)),
                ActivityKind::Note if self.reply_by_note => {
                    let staff = act
                        .by
                        .as_ref()
                        .is_some_and(|b| self.is_known_manager(b.as_str()));
                    if staff {
                        ev.push((t, 4, i as u32));
                    }
                }
                ActivityKind::OutgoingChatMessage => {
                    if let Some(b) = &act.by {
                        o0_events.push((t, b.as_str()));
                    }
                }
                _ => {}
            }
        }
        o0_events.sort_unstable();
        if self.cfg.close_on_lead_closed {
            // LeadClosed events: every move to a closed stage (a lead closed, reopened and closed
            // again closes twice), else the deal's own close when its history records none.
            for (i, l) in input.leads.iter().enumerate() {
                let closes = l.stages.iter().filter(|c| self.reference.closes(c));
                let mut any = false;
                for c in closes {
                    any = true;
                    let t = us(c.at);
                    if t <= self.a {
                        ev.push((t, 3, LEAD_CLOSE | i as u32));
                    }
                }
                if !any && let Some(c) = l.closed.filter(|c| *c <= self.a) {
                    ev.push((c, 3, LEAD_CLOSE | i as u32));
                }
            }
        }
        if ev.len() > messages {
            // Calls and CRM events into place; stable, so messages keep their C5 order.
            ev.sort_by_key(|e| (e.0, e.1));
        }

        let mut touches = Vec::with_capacity(input.messages.len() / 2);
        // Message counts of this chat by key, added to the accumulator's cells in one go.
        let mut sess: Option<SessionState> = None;
        let mut wait: Option<WaitState> = None;
        let mut session_no = 0u32;
        let ahead = self.cfg.lead_link_ahead * SEC;
        let behind = self.cfg.lead_link_behind * SEC;
        let expiry = self.cfg.wait_expiry * SEC;
        let gap = self.cfg.session_gap * SEC;
        let mut timeline = Timeline::new(input.leads, input.contacts, ahead, behind);

        for &(t, class, idx) in ev.iter() {
            // W6: expiry before anything at t (K1: an event exactly at expiry still closes).
            if wait.as_ref().is_some_and(|w| t > w.start + expiry) {
                let w = wait.take().unwrap_or_else(|| unreachable!());
                self.end_wait(
                    &w,
                    Outcome::Expired,
                    Some(w.start + expiry),
                    None,
                    sess.as_mut(),
                    input,
                    &mut timeline,
                    group,
                );
            }
            match class {
                3 => {
                    // S3 a: a lead's close ends the chat's session only while it is the chat's
                    // lead (L3) at that instant.
                    if idx & LEAD_CLOSE != 0 {
                        let closing = &input.leads[(idx & !LEAD_CLOSE) as usize];
                        let lead = timeline
                            .peek(t, &mut self.managers, &mut self.pipelines, &mut self.stages)
                            .lead;
                        if !lead.is_some_and(|l| std::ptr::eq(l, closing)) {
                            continue;
                        }
                    }
                    // Who closed the conversation in the CRM (a lead's close names no one).
                    let by = (idx & LEAD_CLOSE == 0)
                        .then(|| input.activities[idx as usize].by.as_ref())
                        .flatten()
                        .map(|m| m.as_str());
                    if let Some(w) = wait.take() {
                        self.end_wait(
                            &w,
                            Outcome::Closed,
                            Some(t),
                            Some((by, "crm_close")),
                            sess.as_mut(),
                            input,
                            &mut timeline,
                            group,
                        );
                    }
                    if let Some(s) = sess.as_mut() {
                        s.pending_close.get_or_insert(t);
                    }
                }
                4 => {
                    // W7 `note`: a manager's note on the chat's lead (L3, at the note's instant)
                    // after the wait start.
                    let note = &input.activities[idx as usize];
                    let mut on_lead = || {
                        let lead = timeline
                            .peek(t, &mut self.managers, &mut self.pipelines, &mut self.stages)
                            .lead;
                        lead.is_some_and(|l| note.deal.as_ref() == Some(&l.deal.id))
                    };
                    if wait.as_ref().is_some_and(|w| t > w.start) && on_lead() {
                        let w = wait.take().unwrap_or_else(|| unreachable!());
                        let who = input.activities[idx as usize]
                            .by
                            .as_ref()
                            .map(|m| m.as_str());
                        self.end_wait(
                            &w,
                            Outcome::Answered,
                            Some(t),
                            Some((who, "note")),
                            sess.as_mut(),
                            input,
                            &mut timeline,
                            group,
                        );
                    }
                }
                2 => {
                    let c = &input.calls[idx as usize];
                    if wait.as_ref().is_some_and(|w| t > w.start) {
                        let w = wait.take().unwrap_or_else(|| unreachable!());
                        let who = c.manager.as_ref().map(|m| m.as_str());
                        self.end_wait(
                            &w,
                            Outcome::Answered,
                            Some(t),
                            Some((who, "call")),
                            sess.as_mut(),
                            input,
                            &mut timeline,
                            group,
                        );
                    }
                }
                _ => {
                    let m = input.message(idx);
                    // O0: an outbound message without an author takes the author of the one
                    // CRM outgoing-chat-message event within the tolerance, if exactly one.
                    let o0 = if m.direction == Direction::Outbound && m.author_id.is_none() {
                        let tol = self.cfg.author_match_tolerance * SEC;
                        let lo = o0_events.partition_point(|e| e.0 < t - tol);
                        let hi = o0_events.partition_point(|e| e.0 <= t + tol);
                        (hi - lo == 1).then(|| o0_events[lo].1)
                    } else {
                        None
                    };
                    let (cls, author_cow, no_author) = self.classify(m, group, o0);
                    let author = author_cow.as_deref();
                    if cls == Class::System {
                        continue;
                    }
                    let at =
                        timeline.at(t, &mut self.managers, &mut self.pipelines, &mut self.stages);
                    let lead = at.lead;
                    let in_period = self.in_period(t);
                    // S2/S3: session boundaries.
                    let split = match &sess {
                        None => true,
                        Some(s) => {
                            s.pending_close.is_some() || (wait.is_none() && t - s.last_act >= gap)
                        }
                    };
                    if split {
                        if let Some(s) = sess.take() {
                            self.end_session(s, None, &wait, input);
                        }
                        session_no += 1;
                        let initiator = match cls {
                            Class::Client { .. } => 1,
                            Class::Human { .. } => 2,
                            Class::Bot(_) => 3,
                            _ => 4,
                        };
                        let resp = at.responsible_id;
                        let key = self.key_ids(
                            t,
                            resp,
                            channel_id,
                            connection_id,
                            at.place(),
                            chat.kind,
                            initiator,
                        );
                        sess = Some(SessionState {
                            no: session_no,
                            start: t,
                            initiator,
                            last_act: t,
                            client: 0,
                            client_sub: 0,
                            human: 0,
                            bot: 0,
                            unknown: 0,
                            waits: 0,
                            answered: 0,
                            first_wait: None,
                            last_outcome: None,
                            last_wait_end: None,
                            pending_close: None,
                            first_response: None,
                            key,
                            lead: lead.map(|l| l.deal.id.0.clone()),
                            responsible: resp,
                            active_keys: std::mem::take(&mut self.spare.keys),
                            participation: std::mem::take(&mut self.spare.participation),
                        });
                    }
                    let Some(s) = sess.as_mut() else { continue };
                    s.last_act = t;
                    // A human message counts for its author, anything else for the responsible.
                    let mut msg_manager = at.responsible_id;
                    match cls {
                        Class::Client { substantive } => {
                            s.client += 1;
                            if substantive {
                                s.client_sub += 1;
                                match wait.as_mut() {
                                    Some(w) => {
                                        w.last_sub = t;
                                        if self.cfg.wait_anchor == WaitAnchor::Last {
                                            w.later.push(t);
                                        }
                                    }
                                    None => {
                                        s.waits += 1;
                                        if s.waits == 1 {
                                            s.first_wait = Some(idx);
                                        }
                                        wait = Some(WaitState::new(t, idx, s.waits == 1));
                                    }
                                }
                            }
                        }
                        Class::Human { reply, .. } => {
                            s.human += 1;
                            let who = self.manager_id(author);
                            if author.is_some() {
                                msg_manager = who;
                            }
                            // An undelivered message is no touch unless it counts as a reply (§1.2).
                            if reply {
                                touches.push(Touch {
                                    at: t,
                                    manager: who,
                                });
                            }
                            if reply && wait.is_some() {
                                let w = wait.take().unwrap_or_else(|| unreachable!());
                                self.end_wait(
                                    &w,
                                    Outcome::Answered,
                                    Some(t),
                                    Some((author, "message")),
                                    sess.as_mut(),
                                    input,
                                    &mut timeline,
                                    group,
                                );
                            }
                        }
                        Class::Bot(_) => s.bot += 1,
                        Class::Unknown => s.unknown += 1,
                        Class::System => {}
                    }
                    if !in_period {
                        continue;
                    }
                    active_in_period = true;
                    // Message volumes.
                    let mgr = msg_manager;
                    let key =
                        self.key_ids(t, mgr, channel_id, connection_id, at.place(), chat.kind, 0);
                    if let Some(s) = sess.as_mut() {
                        let mut akey = key;
                        akey.manager = s.responsible;
                        akey.initiator = s.initiator;
                        akey.team = self.team_of(s.responsible);
                        // Repeats are dropped at the end (`apply_distinct`); only the newest is checked.
                        if s.active_keys.last() != Some(&akey) {
                            s.active_keys.push(akey);
                        }
                        // Participation (§3.9) is in the bucket of each of the author's messages
                        // (§4.7), like `dialog.active`.
                        if matches!(cls, Class::Human { .. }) {
                            let mut pkey = key;
                            pkey.initiator = s.initiator;
                            if s.participation.last() != Some(&pkey) {
                                s.participation.push(pkey);
                            }
                        }
                    }
                    let udc = self.cfg.undelivered_replies_count;
                    // Characters count for client and delivered human messages only.
                    let chars = || m.text.as_deref().map_or(0, |x| x.chars().count() as u64);
                    // msg.ratio's numerator (§3.10, §5.5) belongs to the chat's responsible at the
                    // message, like its denominator, not to the author.
                    let mut owner_numerator = None;
                    let c = self.cell(cells, key);
                    match cls {
                        Class::Client { substantive } => {
                            c.inbound += 1;
                            c.chars_client += chars();
                            if substantive {
                                c.substantive += 1
                            } else {
                                c.ack += 1
                            }
                        }
                        Class::Human { undelivered, .. } => {
                            c.human += 1;
                            if undelivered {
                                c.undelivered += 1;
                            }
                            if !undelivered || udc {
                                if mgr == at.responsible_id {
                                    c.human_delivered += 1;
                                    c.chars_human += chars();
                                } else {
                                    owner_numerator = Some(chars());
                                }
                            }
                        }
                        Class::Bot(r) => c.bot[r] += 1,
                        Class::Unknown => c.unknown += 1,
                        Class::System => {}
                    }
                    if let Some(chars) = owner_numerator {
                        // The message's key with the owner in place of the author.
                        let mut owner = key;
                        owner.manager = at.responsible_id;
                        owner.team = self.team_of(owner.manager);
                        if self.in_hours_dim {
                            let p = self.cal_pos(owner.manager);
                            owner.in_hours = u8::from(self.cals.at(p).in_hours(t));
                        }
                        let c = self.cell(cells, owner);
                        c.human_delivered += 1;
                        c.chars_human += chars;
                    }
                    // §3.15 `dq.unassigned_items.msg.*`: counted by cell (`add_message_cells`);
                    // only the samples are taken here.
                    if mgr == 0 {
                        let (id, full) = if matches!(cls, Class::Client { .. }) {
                            (UNASSIGNED_MSG_IN, &mut samples_full.unassigned_in)
                        } else {
                            (UNASSIGNED_MSG_OUT, &mut samples_full.unassigned_out)
                        };
                        if !*full {
                            *full = !self.dq_sample(id, || m.id.0.clone());
                        }
                    }
                    dq_lead.1 += 1;
                    if lead.is_none() {
                        dq_lead.0 += 1;
                        if !samples_full.lead {
                            samples_full.lead =
                                !self.dq_sample("dq.msg_without_lead", || m.id.0.clone());
                        }
                    }
                    if m.direction == Direction::Outbound {
                        dq_author.1 += 1;
                        dq_undelivered.1 += 1;
                        if no_author {
                            dq_author.0 += 1;
                            if !samples_full.author {
                                samples_full.author = !self
                                    .dq_sample("dq.outbound_without_author", || m.id.0.clone());
                            }
                        }
                        if m.is_undelivered() {
                            dq_undelivered.0 += 1;
                            if !samples_full.undelivered {
                                samples_full.undelivered =
                                    !self.dq_sample("dq.undelivered_outbound", || m.id.0.clone());
                            }
                        }
                    }
                }
            }
        }
        self.add_message_cells(cells);
        for (id, (count, den)) in [
            ("dq.msg_without_lead", dq_lead),
            ("dq.outbound_without_author", dq_author),
            ("dq.undelivered_outbound", dq_undelivered),
        ] {
            let e = self.dq.entry(id).or_default();
            e.count += count;
            e.denominator += den;
        }
        if active_in_period {
            let unmatched = input.leads.iter().all(|l| l.deal.synthetic);
            self.dq_add("dq.unmatched_chats", unmatched, || chat.id.0.clone());
            let truncated = before_history && self.running_at_history_start(input, group);
            self.dq_add("dq.truncated_history", truncated, || chat.id.0.clone());
        }
        // End of the loaded data: expiry at or before A, else open.
        if let Some(w) = wait.take() {
            if self.a >= w.start + expiry {
                self.end_wait(
                    &w,
                    Outcome::Expired,
                    Some(w.start + expiry),
                    None,
                    sess.as_mut(),
                    input,
                    &mut timeline,
                    group,
                );
            } else {
                self.end_wait(
                    &w,
                    Outcome::Open,
                    None,
                    None,
                    sess.as_mut(),
                    input,
                    &mut timeline,
                    group,
                );
                if let Some(s) = sess.as_mut() {
                    s.last_wait_end = None;
                }
                if let Some(s) = sess.take() {
                    self.end_session(s, None, &Some(w), input);
                }
                return touches;
            }
        }
        if let Some(s) = sess.take() {
            self.end_session(s, None, &None, input);
        }
        touches
    }

    /// Adds a chat's message cells to the totals and the breakdown rows (small tables, unlike a
    /// map of every full key of the period), one update per distinct key.
    /// The chat's message cell for `key`. The newest cell usually matches (same manager, hour and
    /// lead); a key seen earlier in the chat may get a second cell, which the accumulator merges.
    fn cell<'c>(&mut self, cells: &'c mut Vec<(Key, MsgCounts)>, key: Key) -> &'c mut MsgCounts {
        if cells.last().is_none_or(|(k, _)| *k != key) {
            if cells.len() == LOCAL_CELLS {
                self.add_message_cells(cells);
            }
            cells.push((key, MsgCounts::default()));
        }
        &mut cells.last_mut().unwrap_or_else(|| unreachable!()).1
    }

    /// Adds message cells to the accumulator, and their messages to
    /// `dq.unassigned_items.msg.in` / `.msg.out` (§3.15: those of a cell of no manager count).
    fn add_message_cells(&mut self, cells: &mut Vec<(Key, MsgCounts)>) {
        cells.sort_unstable_by_key(|c| c.0);
        // (count, denominator) of msg.in and of msg.out (human, bot and unknown outbound).
        let (mut dq_in, mut dq_out) = ((0u64, 0u64), (0u64, 0u64));
        let mut i = 0;
        while i < cells.len() {
            let key = cells[i].0;
            let mut sum = cells[i].1;
            let mut j = i + 1;
            while j < cells.len() && cells[j].0 == key {
                sum.merge(&cells[j].1);
                j += 1;
            }
            self.acc.apply(&key, |x| x.msg.merge(&sum));
            let out = sum.human + sum.bot.iter().sum::<u64>() + sum.unknown;
            let unassigned = u64::from(key.manager == 0);
            dq_in = (dq_in.0 + unassigned * sum.inbound, dq_in.1 + sum.inbound);
            dq_out = (dq_out.0 + unassigned * out, dq_out.1 + out);
            i = j;
        }
        cells.clear();
        for (id, (count, den)) in [(UNASSIGNED_MSG_IN, dq_in), (UNASSIGNED_MSG_OUT, dq_out)] {
            if den > 0 {
                let e = self.dq.entry(id).or_default();
                e.count += count;
                e.denominator += den;
            }
        }
    }

    /// K8: whether the session rebuilt from the messages the source returned before
    /// `history_start` is still running at it (its last activity plus `session_gap`, or its
    /// unanswered wait plus `wait_expiry`, reaches past `history_start`). Those messages are
    /// dropped before the report's sessions are rebuilt, so such a chat's first session in the
    /// loaded history is cut short.
    fn running_at_history_start(&mut self, input: &ChatInput<'_, '_>, group: bool) -> bool {
        let hs = self.history_start;
        let mut before: Vec<(Micros, u8, u32)> = input
            .indexed()
            .map(|(i, m)| {
                (
                    us(m.created_at),
                    u8::from(m.direction == Direction::Outbound),
                    i,
                )
            })
            .filter(|(t, _, _)| *t < hs)
            .collect();
        if before.is_empty() {
            return false;
        }
        before.sort_unstable();
        let expiry = self.cfg.wait_expiry * SEC;
        let mut last_act = None;
        let mut wait: Option<Micros> = None;
        for (t, _, i) in before {
            if wait.is_some_and(|w| t > w + expiry) {
                wait = None;
            }
            match self.classify(input.message(i), group, None).0 {
                Class::System => continue,
                Class::Client { substantive: true } if wait.is_none() => wait = Some(t),
                Class::Human { reply: true, .. } => wait = None,
                _ => {}
            }
            last_act = Some(t);
        }
        let by_gap = last_act.is_some_and(|l| l + self.cfg.session_gap * SEC > hs);
        let by_wait = wait.is_some_and(|w| w + expiry > hs);
        by_gap || by_wait
    }
}

/// C5's order of message ids at one instant: numeric ids by value (a source with integer ids,
/// such as Telegram's, written as text), before any other id; other ids (Radist's UUIDs) as
/// text. A total order: "9" < "010" < "10" < "m1".
fn c5_id_order(a: &str, b: &str) -> std::cmp::Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => {
            let (x, y) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
            x.len()
                .cmp(&y.len())
                .then_with(|| x.cmp(y))
                .then_with(|| a.cmp(b))
        }
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::c5_id_order;

    #[test]
    fn numeric_ids_order_by_value_before_other_ids() {
        let mut ids = vec!["m1", "10", "010", "9", "", "0", "a", "100", "m10"];
        ids.sort_by(|a, b| c5_id_order(a, b));
        assert_eq!(ids, ["0", "9", "010", "10", "100", "", "a", "m1", "m10"]);
    }
}
