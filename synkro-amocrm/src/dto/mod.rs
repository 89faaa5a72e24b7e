//! Wire types of the amoCRM API v4, serde only and lenient: every field that is not guaranteed is
//! optional, PHP's shapes (`[]` for `{}`, numbers as strings) are accepted, unknown fields are
//! kept in `extra`, and open enums keep unknown values instead of failing.

mod account;
mod contact;
mod custom_field;
mod event;
mod lead;
pub(crate) mod lenient;
mod note;
mod pipeline;
mod talk;
mod user;

pub use account::{Account, AccountEmbedded, DatetimeSettings, UsersGroup};
pub use contact::{Contact, ContactEmbedded};
pub use custom_field::{CustomFieldItem, CustomFieldValue};
pub use event::{Event, EventType, EventValue};
pub use lead::{Lead, LeadEmbedded, LinkedContact, LinkedEntity, LossReason, Tag};
pub use note::{CallParams, MailParams, Note, NoteType, SmsParams};
pub use pipeline::{Pipeline, PipelineEmbedded, Status};
pub use talk::Talk;
pub use user::{User, UserEmbedded, UserRights};

use serde::Deserialize;

/// A HAL link.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct Href {
    /// The URL.
    #[serde(default)]
    pub href: String,
}

/// The `_links` of a list page.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Links {
    /// This page.
    #[serde(rename = "self", default)]
    pub this: Option<Href>,
    /// The next page; absent on the last page.
    #[serde(default)]
    pub next: Option<Href>,
}

/// A list page: `{"_page": n, "_links": {...}, "_embedded": {"<entities>": [...]}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "E: serde::de::DeserializeOwned + Default")]
pub struct Envelope<E> {
    /// The page number.
    #[serde(rename = "_page", default, deserialize_with = "lenient::opt_i64")]
    pub page: Option<i64>,
    /// Links.
    #[serde(rename = "_links", default, deserialize_with = "lenient::obj_or_empty")]
    pub links: Links,
    /// The entities.
    #[serde(
        rename = "_embedded",
        default,
        deserialize_with = "lenient::obj_or_empty"
    )]
    pub embedded: E,
}

macro_rules! embedded_list {
    ($(#[$m:meta])* $name:ident, $field:ident, $item:ty, $key:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Deserialize, Default)]
        pub struct $name {
            /// The entities of the page.
            #[serde(rename = $key, default, deserialize_with = "lenient::vec_or_null")]
            pub $field: Vec<$item>,
        }
    };
}

embedded_list!(
    /// `_embedded` of `GET /api/v4/leads`.
    LeadsPage, leads, Lead, "leads"
);
embedded_list!(
    /// `_embedded` of `GET /api/v4/contacts`.
    ContactsPage, contacts, Contact, "contacts"
);
embedded_list!(
    /// `_embedded` of `GET /api/v4/users`.
    UsersPage, users, User, "users"
);
embedded_list!(
    /// `_embedded` of `GET /api/v4/leads/pipelines`.
    PipelinesPage, pipelines, Pipeline, "pipelines"
);
embedded_list!(
    /// `_embedded` of `GET /api/v4/{entity}/notes`.
    NotesPage, notes, Note, "notes"
);
embedded_list!(
    /// `_embedded` of `GET /api/v4/events`.
    EventsPage, events, Event, "events"
);

/// Items of a list page, whatever the entity.
pub(crate) trait PageItems: serde::de::DeserializeOwned + Default + Send + 'static {
    type Item: Send + 'static;
    fn into_items(self) -> Vec<Self::Item>;
}

macro_rules! page_items {
    ($page:ty, $field:ident, $item:ty) => {
        impl PageItems for $page {
            type Item = $item;
            fn into_items(self) -> Vec<$item> {
                self.$field
            }
        }
    };
}
page_items!(LeadsPage, leads, Lead);
page_items!(ContactsPage, contacts, Contact);
page_items!(UsersPage, users, User);
page_items!(PipelinesPage, pipelines, Pipeline);
page_items!(NotesPage, notes, Note);
page_items!(EventsPage, events, Event);

/// Unknown fields, kept as they came.
pub type Extra = serde_json::Map<String, serde_json::Value>;
