//! [`compute`]: the metrics of a window's dialogs, fed to the engine chat by chat, phone by
//! phone and lead by lead.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::analytics::lead::ContactView;
use crate::model::CrmActivity;
use crate::pipeline::normalize::PhoneBook;

/// Phones normalized once per distinct spelling, so `dq.invalid_phone` counts each raw phone once
/// wherever it appears (calls, chats, contacts, deals), each valid one named by a small id (one
/// per E.164 number, whatever its spellings). Spellings the run's [`PhoneBook`] already knows are
/// not parsed again.
#[derive(Debug)]
struct Phones<'d, 'k> {
    /// Raw spelling → its number's id (`None`: not a valid number).
    seen: FxHashMap<&'d str, Option<u32>>,
    /// E.164 number → id.
    ids: FxHashMap<String, u32>,
    /// Id → E.164 number.
    names: Vec<String>,
    known: Option<&'k PhoneBook>,
}

impl<'d> Phones<'d, '_> {
    fn get(&mut self, engine: &mut MetricsEngine, raw: &'d str) -> Option<u32> {
        if let Some(p) = self.seen.get(raw) {
            return *p;
        }
        let p = match self.known.and_then(|k| k.peek(raw)) {
            Some(p) => p.map(str::to_owned),
            None => crate::pipeline::normalize::phone(raw, &engine.phone_region),
        };
        engine.dq_add("dq.invalid_phone", p.is_none(), || raw.to_owned());
        let id = p.map(|p| match self.ids.get(&p) {
            Some(id) => *id,
            None => {
                let id = self.names.len() as u32;
                self.names.push(p.clone());
                self.ids.insert(p, id);
                id
            }
        });
        self.seen.insert(raw, id);
        id
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// What a call is grouped by: its phone, or for a call without a usable one, its deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CallKey<'d> {
    Phone(u32),
    Deal(&'d str),
}

/// The views of the live leads among `idx` (borrowed when there is one).
fn live_views<'v, 'a>(
    views: &'v [Option<LeadView<'a>>],
    idx: &[usize],
) -> std::borrow::Cow<'v, [LeadView<'a>]> {
    let mut live = idx.iter().filter_map(|&i| views[i].as_ref());
    match (live.next(), live.next()) {
        (None, _) => std::borrow::Cow::Borrowed(&[]),
        (Some(v), None) => std::borrow::Cow::Borrowed(std::slice::from_ref(v)),
        _ => idx.iter().filter_map(|&i| views[i].clone()).collect(),
    }
}

/// Computes the metrics of a window's dialogs: chats one at a time (a chat linked to several
/// deals is processed once, with all of them as lead candidates), then calls by phone (with the
/// human messages of the chats with that phone, for `callback_channels = [chat]`), then every
/// deal once. Also counts `dq.duplicate_phones` over the dialogs' contacts and
/// `dq.unmapped_close_events` over their CRM activities.
///
/// Each dialog's [`history`](Dialog::history) and [`crm_history`](Dialog::crm_history) (its
/// messages and CRM items before the period, back to the history start) and
/// [`after`](Dialog::after) (what happened after the period, up to `ctx.as_of`) are read with its
/// window's items: the engine decides by instant what lies in the period, so items before it only
/// rebuild the state the period starts in (C7) and items after it only end the items that start
/// in it.
///
/// A synthetic deal (the stand-in of a chat in `radist_only`,
/// [`Deal::synthetic`](crate::model::Deal::synthetic)) is no CRM lead (L3): its chat is a chat without a lead, as below, and no lead metric counts it.
///
/// A deal deleted in the CRM at or before A ([`Deal::is_deleted_at`](crate::model::Deal::is_deleted_at);
/// one deleted after A was live at A, C3) is no lead:
/// it is no candidate of its chat or its calls (L3) and counts in no lead metric (K19). Its
/// dialog's chat, messages, calls and activities still count as communication: a chat whose only
/// deals are deleted is a chat without a lead (its messages in `dq.msg_without_lead` and the
/// "(no lead)" pipeline, the chat in `dq.unmatched_chats`), a call with no live lead of its phone
/// is in `dq.calls_unmatched`, and the deal's contacts still count for `dq.duplicate_phones`.
///
/// # Errors
/// [`MetricsError::Config`] for an invalid configuration.
pub fn compute(ctx: MetricsContext, dialogs: &[Dialog]) -> Result<MetricsReport, MetricsError> {
    compute_with_phones(ctx, dialogs, None)
}

/// [`compute`] with the phones a run has already normalized (`known`, for example the run's
/// [`RunContext::phones`](crate::pipeline::RunContext::phones) after linking): spellings it
/// knows are not parsed again. A book for another region than `ctx.phone_region` is ignored.
/// The report is the same as [`compute`]'s.
///
/// # Errors
/// [`MetricsError::Config`] for an invalid configuration.
pub fn compute_with_phones(
    ctx: MetricsContext,
    dialogs: &[Dialog],
    known: Option<&PhoneBook>,
) -> Result<MetricsReport, MetricsError> {
    let known = known.filter(|k| k.region() == ctx.phone_region);
    let reference = ctx.reference.clone();
    let resp = reference.deal_responsible_changes();
    let contact_resp = reference.contact_responsible_changes();
    let mut engine = MetricsEngine::new(ctx)?;
    if engine.cfg.broadcast_detection {
        // O4 by text needs every chat at once: a pre-pass over each chat's messages (once per
        // chat, however many deals share it).
        let mut seen_chats = FxHashSet::default();
        // C3: a send after A is not known at A (A may fall inside the period). The loaded
        // history counts too (C7): a mailing that began before the period reaches more chats
        // than its part inside it, and the history's own sends rebuild its sessions and waits.
        let (a, history_start) = (engine.a, engine.history_start);
        let chats = dialogs
            .iter()
            .filter_map(|d| {
                d.chat.as_ref().map(|c| {
                    let known = d.history.iter().chain(&d.messages).chain(&d.after.messages);
                    (
                        c,
                        known.filter(move |m| (history_start..=a).contains(&us(m.created_at))),
                    )
                })
            })
            .filter(|(c, _)| seen_chats.insert(c.id.as_str()));
        let mut conn: FxHashMap<&str, &str> = FxHashMap::default();
        let mut all = Vec::new();
        for (c, msgs) in chats {
            if let Some(k) = c.connection.as_deref() {
                conn.insert(c.id.as_str(), k);
            }
            all.extend(msgs);
        }
        let found = crate::analytics::Broadcasts::detect(&engine.cfg, all, |m| {
            conn.get(m.chat.as_str()).copied()
        });
        engine.set_broadcasts(found);
    }
    fn make<'a>(
        d: &'a Dialog,
        resp: &HashMap<&str, Vec<&'a crate::model::ResponsibleChange>>,
    ) -> LeadView<'a> {
        let changes = resp.get(d.deal.id.as_str()).cloned().unwrap_or_default();
        let stages = d.known_stage_changes();
        // Built only for deals not deleted at A: one deleted after A was live then (C3).
        LeadView {
            deleted: false,
            ..LeadView::new(&d.deal, stages, changes)
        }
    }
    // Each live lead's view, built once: its chat, its calls and the lead metrics share it.
    let views: Vec<Option<LeadView<'_>>> = dialogs
        .iter()
        .map(|d| (!engine.known_deleted(&d.deal) && !d.deal.synthetic).then(|| make(d, &resp)))
        .collect();
    let mut phones = Phones {
        seen: FxHashMap::default(),
        ids: FxHashMap::default(),
        names: Vec::new(),
        known,
    };
    // Chats.
    let mut by_chat: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    let mut order = Vec::new();
    for (i, d) in dialogs.iter().enumerate() {
        if let Some(c) = &d.chat {
            let e = by_chat.entry(c.id.as_str()).or_default();
            if e.is_empty() {
                order.push(c.id.as_str());
            }
            e.push(i);
        }
    }
    let mut touches_by_chat: FxHashMap<&str, Vec<Touch>> = FxHashMap::default();
    let mut touches_by_phone: FxHashMap<u32, Vec<Touch>> = FxHashMap::default();
    for chat_id in order {
        let idx = &by_chat[chat_id];
        let first = &dialogs[idx[0]];
        let Some(chat) = &first.chat else { continue };
        let leads = live_views(&views, idx);
        let phone = chat
            .phone
            .as_deref()
            .and_then(|p| phones.get(&mut engine, p));
        let contacts =
            contacts_holding(dialogs, idx, phone, &mut phones, &mut engine, &contact_resp);
        let calls: Vec<Call> = if engine.reply_by_call {
            idx.iter()
                .flat_map(|&i| {
                    let d = &dialogs[i];
                    d.known_calls().cloned()
                })
                .collect()
        } else {
            Vec::new()
        };
        let activities: Vec<CrmActivity> = idx
            .iter()
            .flat_map(|&i| {
                let d = &dialogs[i];
                d.known_activities().cloned()
            })
            .collect();
        let t = engine.add_chat(&ChatInput {
            chat,
            messages: &first.messages,
            history: &first.history,
            after: &first.after.messages,
            leads: &leads,
            contacts: &contacts,
            calls: &calls,
            activities: &activities,
        });
        if let Some(p) = phone {
            touches_by_phone
                .entry(p)
                .or_default()
                .extend(t.iter().copied());
        }
        touches_by_chat.insert(chat_id, t);
    }
    // Calls by phone: each group with its calls (the dialog that holds each first) and every
    // dialog holding one of its calls, also one that holds a call seen first in another dialog
    // (a call attached by phone to several deals): their live deals are the L3 candidates.
    let mut group_of: FxHashMap<CallKey<'_>, usize> = FxHashMap::default();
    let mut groups: Vec<(CallKey<'_>, Vec<&Call>, Vec<usize>)> = Vec::new();
    let mut seen_calls: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, d) in dialogs.iter().enumerate() {
        for c in d.known_calls() {
            let g = match seen_calls.get(c.id.as_str()) {
                Some(g) => *g,
                None => {
                    let phone = c.phone.as_deref().and_then(|p| phones.get(&mut engine, p));
                    let key = phone.map_or(CallKey::Deal(d.deal.id.as_str()), CallKey::Phone);
                    let g = *group_of.entry(key).or_insert_with(|| {
                        groups.push((key, Vec::new(), Vec::new()));
                        groups.len() - 1
                    });
                    seen_calls.insert(c.id.as_str(), g);
                    groups[g].1.push(c);
                    g
                }
            };
            let held = &mut groups[g].2;
            if !held.contains(&i) {
                held.push(i);
            }
        }
    }
    // In the order of the phones (E.164), then of the deals of calls without one.
    groups.sort_unstable_by(|a, b| match (a.0, b.0) {
        (CallKey::Phone(x), CallKey::Phone(y)) => phones.name(x).cmp(phones.name(y)),
        (CallKey::Phone(_), CallKey::Deal(_)) => std::cmp::Ordering::Less,
        (CallKey::Deal(_), CallKey::Phone(_)) => std::cmp::Ordering::Greater,
        (CallKey::Deal(x), CallKey::Deal(y)) => x.cmp(y),
    });
    for (key, list, held) in &groups {
        let views = live_views(&views, held);
        let phone = match key {
            CallKey::Phone(p) => Some(*p),
            CallKey::Deal(_) => None,
        };
        // The contacts holding the phone (for a call without one: the deal's contacts), from
        // every dialog holding one of its calls.
        let contacts = contacts_holding(
            dialogs,
            held,
            phone,
            &mut phones,
            &mut engine,
            &contact_resp,
        );
        let chat_touches = phone
            .and_then(|p| touches_by_phone.get(&p))
            .map_or(&[][..], Vec::as_slice);
        engine.add_phone_calls(list, &views, &contacts, phone.is_some(), chat_touches);
    }
    // dq.duplicate_phones (§3.15, L2): normalized phones held by two or more CRM contacts.
    let mut holders: FxHashMap<u32, FxHashSet<&str>> = FxHashMap::default();
    let mut seen_contacts = FxHashSet::default();
    for c in dialogs.iter().flat_map(|d| &d.contacts) {
        if !seen_contacts.insert(c.id.as_str()) {
            continue;
        }
        for raw in &c.phones {
            if let Some(p) = phones.get(&mut engine, raw) {
                holders.entry(p).or_default().insert(c.id.as_str());
            }
        }
    }
    let mut held: Vec<(&str, usize)> = holders
        .iter()
        .map(|(p, who)| (phones.name(*p), who.len()))
        .collect();
    held.sort_unstable();
    for (p, n) in held {
        engine.dq_add("dq.duplicate_phones", n >= 2, || p.to_owned());
    }
    // dq.unmapped_close_events (§1.4, §3.15): conversations closed in the CRM in the period that
    // reach no chat (the activity is attached only to dialogs without one).
    let mut closes: BTreeMap<&str, bool> = BTreeMap::new();
    for d in dialogs {
        for a in &d.activities {
            if a.kind == crate::model::ActivityKind::ChatClosed && engine.in_period(us(a.at)) {
                *closes.entry(a.id.as_str()).or_insert(false) |= d.chat.is_some();
            }
        }
    }
    for (id, mapped) in closes {
        engine.dq_add("dq.unmapped_close_events", !mapped, || id.to_owned());
    }
    // Leads.
    let mut seen = FxHashSet::default();
    let empty = Vec::new();
    for (d, v) in dialogs.iter().zip(&views) {
        let Some(v) = v else { continue };
        if !seen.insert(d.deal.id.as_str()) {
            continue;
        }
        let t = d
            .chat
            .as_ref()
            .and_then(|c| touches_by_chat.get(c.id.as_str()))
            .unwrap_or(&empty);
        let mut ids: Vec<u32> = d
            .deal
            .phones
            .iter()
            .chain(d.contacts.iter().flat_map(|c| c.phones.iter()))
            .filter_map(|raw| phones.get(&mut engine, raw))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut lead_phones: Vec<String> = ids.iter().map(|p| phones.name(*p).to_owned()).collect();
        lead_phones.sort_unstable();
        let calls = joined(&d.crm_history.calls, &d.calls, &d.after.calls);
        let activities = joined(
            &d.crm_history.activities,
            &d.activities,
            &d.after.activities,
        );
        engine.add_lead(&LeadInput {
            lead: v,
            chat_touches: t,
            calls: &calls,
            activities: &activities,
            phones: &lead_phones,
        });
    }
    Ok(engine.finish())
}

/// A dialog's items before the window, of the window and after it, in that order (borrowed when
/// there are none before or after).
fn joined<'x, T: Clone>(before: &[T], window: &'x [T], after: &[T]) -> std::borrow::Cow<'x, [T]> {
    if before.is_empty() && after.is_empty() {
        std::borrow::Cow::Borrowed(window)
    } else {
        before.iter().chain(window).chain(after).cloned().collect()
    }
}

/// The contacts of the dialogs `held` that hold `phone` (L2; all of them for `None`), each once
/// and sorted by id, with their responsible histories.
fn contacts_holding<'d>(
    dialogs: &'d [Dialog],
    held: &[usize],
    phone: Option<u32>,
    phones: &mut Phones<'d, '_>,
    engine: &mut MetricsEngine,
    responsible: &HashMap<&str, Vec<&'d crate::model::ResponsibleChange>>,
) -> Vec<ContactView<'d>> {
    let mut contacts: Vec<ContactView<'d>> = Vec::new();
    for c in held.iter().flat_map(|i| &dialogs[*i].contacts) {
        if contacts.iter().any(|v| v.contact.id == c.id) {
            continue;
        }
        let holds = phone.is_none() || c.phones.iter().any(|raw| phones.get(engine, raw) == phone);
        if holds {
            let changes = responsible
                .get(c.id.as_str())
                .into_iter()
                .flatten()
                .copied();
            contacts.push(ContactView::new(c, changes));
        }
    }
    contacts.sort_by(|a, b| a.contact.id.cmp(&b.contact.id));
    contacts
}
