use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;

use crate::error::RunError;
use crate::model::{Contact, ContactId};
use crate::pipeline::modes::{
    attach_after, attach_crm_activity, attach_history, messages_by_chat, sorted_deals,
    with_enough_messages,
};
use crate::pipeline::{Dialog, ModeRequirements, PipelineMode, RunContext, link, sync};

/// The default mode: amoCRM deals joined by phone to Radist chats.
///
/// Sync reads the CRM, then the messenger chats whose phone matches a phone of a deal updated in
/// the read range (from stored deals, so a failed CRM sync still finds chats of known deals), then
/// those chats' messages in the window and after it up to the run's knowledge cut-off
/// ([`RunContext::message_range`]). Dialogs are the stored deals linked by phone to a chat with
/// messages in the window (the most recently active chat wins when several share a phone), plus,
/// when `min_dialogs_for_report` is 0, the deals updated in the window without one; deals with
/// fewer than `min_dialogs_for_report` messages are dropped. Each carries its chat's stored
/// history before the window and what happened after it up to the cut-off ([`Dialog::after`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct AmocrmRadist;

impl AmocrmRadist {
    async fn deal_phones(cx: &RunContext) -> Result<BTreeSet<String>, RunError> {
        let store = cx.store();
        let tenant = cx.tenant().id;
        let deals = store.deals_updated(tenant, &cx.read_range()).await?;
        let ids: Vec<ContactId> = deals
            .iter()
            .flat_map(|d| d.contacts.iter().cloned())
            .collect();
        let contacts = store.contacts_by_ids(tenant, &ids).await?;
        let by_id: HashMap<&ContactId, &Contact> = contacts.iter().map(|c| (&c.id, c)).collect();
        let mut book = cx.phones();
        Ok(deals
            .iter()
            .flat_map(|d| link::deal_phones_in(&mut book, d, &by_id))
            .collect())
    }
}

#[async_trait]
impl PipelineMode for AmocrmRadist {
    fn id(&self) -> &str {
        "amocrm_radist"
    }

    fn requirements(&self) -> ModeRequirements {
        ModeRequirements::new(true, true)
    }

    async fn sync(&self, cx: &RunContext) -> Result<(), RunError> {
        let crm = cx.crm()?;
        let messenger = cx.messenger()?;
        cx.sync_source(crm.backend(), sync::crm(cx, crm.as_ref()))
            .await?;
        cx.sync_source(messenger.backend(), async {
            let phones = Self::deal_phones(cx).await?;
            let window = *cx.window();
            let chats = sync::chats(cx, messenger.as_ref(), window.start, |c| {
                c.phone
                    .as_deref()
                    .and_then(|p| cx.phone(p))
                    .is_some_and(|p| phones.contains(&p))
            })
            .await?;
            sync::messages(cx, messenger.as_ref(), &chats, cx.message_range()).await
        })
        .await?;
        Ok(())
    }

    async fn dialogs(&self, cx: &RunContext) -> Result<Vec<Dialog>, RunError> {
        let store = cx.store();
        let tenant = cx.tenant().id;
        let messages = messages_by_chat(cx).await?;
        let chats: Vec<_> = store
            .chats(tenant)
            .await?
            .into_iter()
            .filter(|c| messages.contains_key(&c.id))
            .collect();
        // Every stored deal is a candidate: a deal untouched in the CRM may still have been talked
        // about in the window.
        let deals = sorted_deals(store.deals(tenant).await?);
        let contact_ids: Vec<ContactId> = deals
            .iter()
            .flat_map(|d| d.contacts.iter().cloned())
            .collect();
        let contacts = store.contacts_by_ids(tenant, &contact_ids).await?;
        let links = link::by_phone_in(&mut cx.phones(), &deals, &contacts, &chats);
        let window = *cx.window();

        let mut dialogs = Vec::new();
        for deal in deals {
            let chat = links
                .links
                .get(&deal.id)
                .and_then(|id| chats.iter().find(|c| &c.id == id));
            if chat.is_none() && !window.contains(deal.updated_at) {
                continue;
            }
            let mut d = Dialog::new(deal);
            if let Some(chat) = chat {
                // Several deals may share a chat; each gets its messages.
                d.messages = messages.get(&chat.id).cloned().unwrap_or_default();
                d.chat = Some(chat.clone());
            }
            dialogs.push(d);
        }
        let mut dialogs = with_enough_messages(cx, dialogs);
        attach_crm_activity(cx, &mut dialogs).await?;
        attach_history(cx, &mut dialogs).await?;
        attach_after(cx, &mut dialogs).await?;
        Ok(dialogs)
    }
}
