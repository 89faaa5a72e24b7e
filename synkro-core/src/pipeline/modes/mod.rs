//! The built-in pipeline modes, and the dialog-building helpers they share with custom modes.
//!
//! | mode | sync reads | dialogs |
//! |---|---|---|
//! | `amocrm_radist` | CRM (pipelines, managers, deals updated in the window, their contacts, calls, stage and responsible changes); messenger chats whose phone matches a deal's phone, and their messages in the window | each deal linked by phone to a chat with messages in the window, with at least `min_dialogs_for_report` messages |
//! | `radist_only` | messenger chats active in the window and their messages | one dialog per chat with a synthetic deal (stable id `radist:<chat id>`), with at least `min_dialogs_for_report` messages |
//! | `amocrm_only` | CRM only | each deal updated in the window, with its calls and stage changes |

mod amocrm_only;
mod amocrm_radist;
mod radist_only;

use std::collections::{BTreeMap, HashMap};

pub use amocrm_only::AmocrmOnly;
pub use amocrm_radist::AmocrmRadist;
pub use radist_only::RadistOnly;

use crate::error::RunError;
use crate::model::{Call, ChatId, Contact, ContactId, Deal, DealId, Message, StageChange};
use crate::pipeline::{Dialog, RunContext, link, normalize};

/// The window's messages grouped by chat, each group oldest first.
///
/// # Errors
/// [`RunError::Store`].
pub async fn messages_by_chat(cx: &RunContext) -> Result<BTreeMap<ChatId, Vec<Message>>, RunError> {
    let mut out: BTreeMap<ChatId, Vec<Message>> = BTreeMap::new();
    for m in cx.store().messages_in(cx.tenant().id, cx.window()).await? {
        out.entry(m.chat.clone()).or_default().push(m);
    }
    Ok(out)
}

/// Attaches contacts, calls and stage changes of the window to each dialog: calls by explicit
/// deal link, else by explicit contact link, else by phone.
///
/// # Errors
/// [`RunError::Store`].
pub async fn attach_crm_activity(cx: &RunContext, dialogs: &mut [Dialog]) -> Result<(), RunError> {
    let store = cx.store();
    let tenant = cx.tenant().id;
    let region = cx.config().default_phone_region.as_str();
    let contact_ids: Vec<ContactId> = dialogs
        .iter()
        .flat_map(|d| d.deal.contacts.iter().cloned())
        .collect();
    let contacts: HashMap<ContactId, Contact> = store
        .contacts_by_ids(tenant, &contact_ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let calls = store.calls_in(tenant, cx.window()).await?;
    let changes = store.stage_changes_in(tenant, cx.window()).await?;

    let mut changes_by_deal: HashMap<&DealId, Vec<&StageChange>> = HashMap::new();
    for c in &changes {
        changes_by_deal.entry(&c.deal).or_default().push(c);
    }
    for d in dialogs.iter_mut() {
        d.contacts = d
            .deal
            .contacts
            .iter()
            .filter_map(|id| contacts.get(id).cloned())
            .collect();
        let contact_refs: HashMap<&ContactId, &Contact> =
            d.contacts.iter().map(|c| (&c.id, c)).collect();
        let phones = link::deal_phones(&d.deal, &contact_refs, region);
        let belongs = |c: &Call| match (&c.deal, &c.contact) {
            (Some(deal), _) => deal == &d.deal.id,
            (None, Some(contact)) => d.deal.contacts.contains(contact),
            (None, None) => c
                .phone
                .as_deref()
                .and_then(|p| normalize::phone(p, region))
                .is_some_and(|p| phones.contains(&p)),
        };
        d.calls = calls.iter().filter(|c| belongs(c)).cloned().collect();
        d.stage_changes = changes_by_deal
            .get(&d.deal.id)
            .map(|v| v.iter().map(|c| (*c).clone()).collect())
            .unwrap_or_default();
    }
    Ok(())
}

/// Keeps the dialogs with at least `min_dialogs_for_report` messages.
#[must_use]
pub fn with_enough_messages(cx: &RunContext, dialogs: Vec<Dialog>) -> Vec<Dialog> {
    let min = cx.config().min_dialogs_for_report as usize;
    dialogs
        .into_iter()
        .filter(|d| d.messages.len() >= min)
        .collect()
}

/// Deals ordered by id, deduplicated.
fn sorted_deals(mut deals: Vec<Deal>) -> Vec<Deal> {
    deals.sort_by(|a, b| a.id.cmp(&b.id));
    deals.dedup_by(|a, b| a.id == b.id);
    deals
}
