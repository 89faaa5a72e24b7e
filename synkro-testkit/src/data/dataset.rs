//! The generated tenant and its accessors.

use std::collections::HashMap;
use std::ops::Range;

use chrono::{DateTime, Duration, Utc};
use synkro_core::model::{
    Call, Chat, ChatId, Contact, CrmActivity, Deal, Manager, Message, ResponsibleChange,
    SalesPipeline, StageChange,
};
use synkro_core::store::SyncBatch;

use super::DatasetSpec;
use super::generator::Generator;

/// The CRM user id amoCRM uses for its robot; bot messages carry it as their author.
pub const ROBOT_AUTHOR_ID: &str = "0";

/// A generated tenant: CRM data and messenger data that fit together.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The spec it was generated from.
    pub spec: DatasetSpec,
    /// CRM users.
    pub managers: Vec<Manager>,
    /// Sales pipelines.
    pub sales_pipelines: Vec<SalesPipeline>,
    /// Deals, by id. `spec.deleted_deals` of them are deleted in the CRM (`deleted_at` set, the
    /// deletion also being their update time): the CRM fakes list them only as deleted.
    pub deals: Vec<Deal>,
    /// Contacts, by id.
    pub contacts: Vec<Contact>,
    /// Chats, by id.
    pub chats: Vec<Chat>,
    /// Messages ordered by chat, then time, then id.
    pub messages: Vec<Message>,
    /// Calls, by start time.
    pub calls: Vec<Call>,
    /// Stage changes, by time.
    pub stage_changes: Vec<StageChange>,
    /// Responsible changes, by time.
    pub responsible_changes: Vec<ResponsibleChange>,
    /// CRM activities, by time then id: an `OutgoingChatMessage` event for every staff message of
    /// a chat linked to a deal (within a few seconds of it, by its author, also when the message
    /// itself carries none), `ChatClosed` for a share of those chats (after the last message and
    /// after long pauses), and manual `Note`s (`note:<id>`) on some deals and contacts.
    pub activities: Vec<CrmActivity>,
    pub(super) chat_messages: HashMap<ChatId, Range<usize>>,
}

impl Dataset {
    /// The first instant of generated activity.
    #[must_use]
    pub fn start(&self) -> DateTime<Utc> {
        self.spec.end - Duration::days(i64::from(self.spec.days))
    }

    /// The deals deleted in the CRM, by id.
    pub fn deleted_deals(&self) -> impl Iterator<Item = &Deal> {
        self.deals.iter().filter(|d| d.is_deleted())
    }

    /// A chat's messages, oldest first.
    #[must_use]
    pub fn messages_of(&self, chat: &ChatId) -> &[Message] {
        self.chat_messages
            .get(chat)
            .map_or(&[], |r| &self.messages[r.clone()])
    }

    /// Everything as one batch (to pre-load a store). Deleted deals are in `deals` with their
    /// `deleted_at`, so the store holds them deleted.
    #[must_use]
    pub fn to_batch(&self) -> SyncBatch {
        SyncBatch {
            managers: self.managers.clone(),
            sales_pipelines: self.sales_pipelines.clone(),
            deals: self.deals.clone(),
            contacts: self.contacts.clone(),
            chats: self.chats.clone(),
            messages: self.messages.clone(),
            calls: self.calls.clone(),
            stage_changes: self.stage_changes.clone(),
            responsible_changes: self.responsible_changes.clone(),
            activities: self.activities.clone(),
            deleted_deals: Vec::new(),
        }
    }

    /// Generates the data of `spec`. The same spec always gives the same data.
    #[must_use]
    pub fn generate(spec: &DatasetSpec) -> Self {
        Generator::new(spec).run()
    }
}
