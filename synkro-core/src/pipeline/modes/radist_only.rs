use async_trait::async_trait;

use crate::error::RunError;
use crate::model::{Chat, Deal, DealId, Message};
use crate::pipeline::modes::{
    attach_after, attach_history, messages_by_chat, with_enough_messages,
};
use crate::pipeline::{Dialog, ModeRequirements, PipelineMode, RunContext, sync};

/// Messenger chats only: every chat with messages in the window becomes a dialog with a synthetic
/// deal whose id, `radist:<chat id>`, is stable across runs. Sync reads the chats active since the
/// window's start and their messages in [`RunContext::message_range`] (the window, and after it
/// up to the run's knowledge cut-off); each dialog carries its chat's stored history and its
/// messages after the window ([`Dialog::after`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct RadistOnly;

impl RadistOnly {
    /// The synthetic deal id of a chat.
    #[must_use]
    pub fn deal_id(chat: &Chat) -> DealId {
        DealId::new(format!("radist:{}", chat.id))
    }

    /// The synthetic deal of a chat, dated by its messages.
    #[must_use]
    pub fn synthetic_deal(chat: &Chat, messages: &[Message]) -> Deal {
        let first = messages.first().map_or(chat.updated_at, |m| m.created_at);
        let last = messages.last().map_or(chat.updated_at, |m| m.created_at);
        let name = chat
            .contact_name
            .clone()
            .or_else(|| chat.phone.clone())
            .unwrap_or_else(|| format!("chat {}", chat.id));
        Deal {
            id: Self::deal_id(chat),
            name,
            pipeline: None,
            stage: None,
            responsible: None,
            price: None,
            contacts: Vec::new(),
            phones: chat.phone.iter().cloned().collect(),
            loss_reason: None,
            created_at: first,
            updated_at: last,
            closed_at: None,
            custom_fields: serde_json::Value::Null,
            synthetic: true,
            deleted_at: None,
        }
    }
}

#[async_trait]
impl PipelineMode for RadistOnly {
    fn id(&self) -> &str {
        "radist_only"
    }

    fn requirements(&self) -> ModeRequirements {
        ModeRequirements::new(false, true)
    }

    async fn sync(&self, cx: &RunContext) -> Result<(), RunError> {
        let messenger = cx.messenger()?;
        cx.sync_source(messenger.backend(), async {
            let window = *cx.window();
            let chats = sync::chats(cx, messenger.as_ref(), window.start, |_| true).await?;
            sync::messages(cx, messenger.as_ref(), &chats, cx.message_range()).await
        })
        .await?;
        Ok(())
    }

    async fn dialogs(&self, cx: &RunContext) -> Result<Vec<Dialog>, RunError> {
        let mut messages = messages_by_chat(cx).await?;
        let mut chats: Vec<Chat> = cx
            .store()
            .chats(cx.tenant().id)
            .await?
            .into_iter()
            .filter(|c| messages.contains_key(&c.id))
            .collect();
        chats.sort_by(|a, b| a.id.cmp(&b.id));
        let dialogs = chats
            .into_iter()
            .map(|chat| {
                let msgs = messages.remove(&chat.id).unwrap_or_default();
                let mut d = Dialog::new(Self::synthetic_deal(&chat, &msgs));
                d.messages = msgs;
                d.chat = Some(chat);
                d
            })
            .collect();
        let mut dialogs = with_enough_messages(cx, dialogs);
        attach_history(cx, &mut dialogs).await?;
        attach_after(cx, &mut dialogs).await?;
        Ok(dialogs)
    }
}
