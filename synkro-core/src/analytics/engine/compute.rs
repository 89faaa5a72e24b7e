//! [`compute`]: the metrics of a window's dialogs, fed to the engine chat by chat, phone by
//! phone and lead by lead.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::model::CrmActivity;

/// Computes the metrics of a window's dialogs: chats one at a time (a chat linked to several
/// deals is processed once, with all of them as lead candidates), then calls by phone, then
/// every deal once.
///
/// # Errors
/// [`MetricsError::Config`] for an invalid configuration.
pub fn compute(ctx: MetricsContext, dialogs: &[Dialog]) -> Result<MetricsReport, MetricsError> {
    let reference = ctx.reference.clone();
    let resp = reference.deal_responsible_changes();
    let mut engine = MetricsEngine::new(ctx)?;
    fn make<'a>(
        d: &'a Dialog,
        resp: &HashMap<&str, Vec<&'a crate::model::ResponsibleChange>>,
    ) -> LeadView<'a> {
        let changes = resp.get(d.deal.id.as_str()).cloned().unwrap_or_default();
        LeadView::new(&d.deal, d.stage_changes.iter(), changes)
    }
    let view = |d| make(d, &resp);
    // Chats.
    let mut by_chat: HashMap<&str, Vec<usize>> = HashMap::new();
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
    let mut touches_by_chat: HashMap<&str, Vec<Touch>> = HashMap::new();
    for chat_id in order {
        let idx = &by_chat[chat_id];
        let first = &dialogs[idx[0]];
        let Some(chat) = &first.chat else { continue };
        let leads: Vec<LeadView<'_>> = idx.iter().map(|&i| view(&dialogs[i])).collect();
        let calls: Vec<Call> = if engine.reply_by_call {
            idx.iter()
                .flat_map(|&i| dialogs[i].calls.iter().cloned())
                .collect()
        } else {
            Vec::new()
        };
        let activities: Vec<CrmActivity> = idx
            .iter()
            .flat_map(|&i| dialogs[i].activities.iter().cloned())
            .collect();
        let t = engine.add_chat(&ChatInput {
            chat,
            messages: &first.messages,
            leads: &leads,
            calls: &calls,
            activities: &activities,
        });
        touches_by_chat.insert(chat_id, t);
    }
    // Calls by phone.
    let mut by_phone: BTreeMap<String, Vec<(&Call, usize)>> = BTreeMap::new();
    let mut seen_calls = FxHashSet::default();
    for (i, d) in dialogs.iter().enumerate() {
        for c in &d.calls {
            if !seen_calls.insert(c.id.clone()) {
                continue;
            }
            let phone = c.phone.as_deref().and_then(|p| engine.l1_phone(p));
            let key = phone.unwrap_or_else(|| format!("deal:{}", d.deal.id));
            by_phone.entry(key).or_default().push((c, i));
        }
    }
    for (phone, calls) in &by_phone {
        let views: Vec<LeadView<'_>> = {
            let mut seen = Vec::new();
            calls
                .iter()
                .filter(|(_, i)| {
                    let s = !seen.contains(i);
                    seen.push(*i);
                    s
                })
                .map(|(_, i)| view(&dialogs[*i]))
                .collect()
        };
        let list: Vec<&Call> = calls.iter().map(|(c, _)| *c).collect();
        let has_phone = !phone.starts_with("deal:");
        engine.add_phone_calls(&list, &views, has_phone);
    }
    // Leads.
    let mut seen = FxHashSet::default();
    let empty = Vec::new();
    for d in dialogs {
        if !seen.insert(d.deal.id.as_str()) {
            continue;
        }
        let v = view(d);
        let t = d
            .chat
            .as_ref()
            .and_then(|c| touches_by_chat.get(c.id.as_str()))
            .unwrap_or(&empty);
        engine.add_lead(&LeadInput {
            lead: &v,
            chat_touches: t,
            calls: &d.calls,
            activities: &d.activities,
        });
    }
    Ok(engine.finish())
}
