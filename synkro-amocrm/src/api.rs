//! Read endpoints: filter types (the query string is the filter; see the pinned encodings in the
//! tests) and the client's listing methods.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use synkro_core::error::SourceError;
use synkro_core::model::{Contact, Deal, Manager, SalesPipeline, Window};
use synkro_core::source::http_failure::HttpFailure;

use crate::client::AmoCrmClient;
use crate::convert::{self, Missing};
use crate::dto::{self, EventType, NoteType};
use crate::error::Failure;
use crate::paging::Listing;

/// Largest page of leads, contacts, notes and users.
pub const MAX_LIMIT: u32 = 250;
/// Largest page of events that amoCRM serves correctly (more silently returns 50).
pub const EVENTS_LIMIT: u32 = 100;
/// Most ids in one `filter[id][]` request.
pub const ID_BATCH: usize = 250;

fn pair(k: &str, v: impl ToString) -> (String, String) {
    (k.to_owned(), v.to_string())
}

/// The inclusive upper bound amoCRM filters take for an exclusive window end.
fn inclusive_end(end: DateTime<Utc>) -> i64 {
    end.timestamp() - 1
}

/// Which leads to list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeadFilter {
    /// Updated at or after this instant.
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated before this instant.
    pub updated_to: Option<DateTime<Utc>>,
    /// Only these leads (≤ 250 per request; more are batched by the caller).
    pub ids: Vec<i64>,
    /// Embed contact ids (`with=contacts`).
    pub with_contacts: bool,
    /// List only the deleted (still restorable) leads instead (`with=only_deleted`): each has
    /// only its id, update time (the deletion) and `is_deleted`, so no contacts are embedded.
    pub only_deleted: bool,
    /// Page size (≤ 250).
    pub limit: u32,
}

impl Default for LeadFilter {
    fn default() -> Self {
        Self {
            updated_from: None,
            updated_to: None,
            ids: Vec::new(),
            with_contacts: true,
            only_deleted: false,
            limit: MAX_LIMIT,
        }
    }
}

impl LeadFilter {
    /// Leads updated in `window`.
    #[must_use]
    pub fn updated_in(window: Window) -> Self {
        Self {
            updated_from: Some(window.start),
            updated_to: Some(window.end),
            ..Self::default()
        }
    }

    /// The same filter over the deleted leads (`with=only_deleted`).
    #[must_use]
    pub fn deleted(self) -> Self {
        Self {
            only_deleted: true,
            with_contacts: false,
            ..self
        }
    }

    /// Incremental read: leads updated since `checkpoint − lookback` (the lookback covers clock
    /// skew and entities saved while the last read ran; duplicates are dropped by id).
    #[must_use]
    pub fn updated_since(checkpoint: DateTime<Utc>, lookback: std::time::Duration) -> Self {
        let lookback =
            chrono::Duration::from_std(lookback).unwrap_or_else(|_| chrono::Duration::zero());
        Self {
            updated_from: Some(checkpoint - lookback),
            ..Self::default()
        }
    }

    /// The query string, without `page` and `limit`.
    #[must_use]
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if let Some(from) = self.updated_from {
            q.push(pair("filter[updated_at][from]", from.timestamp()));
        }
        if let Some(to) = self.updated_to {
            q.push(pair("filter[updated_at][to]", inclusive_end(to)));
        }
        for id in &self.ids {
            q.push(pair("filter[id][]", id));
        }
        q.push(pair("order[updated_at]", "asc"));
        if self.only_deleted {
            q.push(pair("with", "only_deleted"));
        } else if self.with_contacts {
            q.push(pair("with", "contacts"));
        }
        q
    }
}

/// Which contacts to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ContactFilter {
    /// Only these contacts (≤ 250 per request).
    pub ids: Vec<i64>,
    /// Updated at or after.
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated before.
    pub updated_to: Option<DateTime<Utc>>,
}

impl ContactFilter {
    /// The query string, without `page` and `limit`.
    #[must_use]
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        for id in &self.ids {
            q.push(pair("filter[id][]", id));
        }
        if let Some(from) = self.updated_from {
            q.push(pair("filter[updated_at][from]", from.timestamp()));
        }
        if let Some(to) = self.updated_to {
            q.push(pair("filter[updated_at][to]", inclusive_end(to)));
        }
        if self.updated_from.is_some() || self.updated_to.is_some() {
            q.push(pair("order[updated_at]", "asc"));
        }
        q
    }
}

/// Whose notes to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteEntity {
    /// `/api/v4/leads/notes`.
    Leads,
    /// `/api/v4/contacts/notes`.
    Contacts,
}

impl NoteEntity {
    pub(crate) fn path(self) -> &'static str {
        match self {
            Self::Leads => "/api/v4/leads/notes",
            Self::Contacts => "/api/v4/contacts/notes",
        }
    }
}

/// Which notes to list (amoCRM filters notes by update time only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NoteFilter {
    /// Note types (empty = all).
    pub types: Vec<NoteType>,
    /// Updated at or after.
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated before.
    pub updated_to: Option<DateTime<Utc>>,
}

impl NoteFilter {
    /// Call notes (`call_in`, `call_out`).
    #[must_use]
    pub fn calls() -> Self {
        Self {
            types: vec![NoteType::CallIn, NoteType::CallOut],
            ..Self::default()
        }
    }

    /// The query string, without `page` and `limit`.
    #[must_use]
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q: Vec<_> = self
            .types
            .iter()
            .map(|t| pair("filter[note_type][]", t.as_str()))
            .collect();
        if let Some(from) = self.updated_from {
            q.push(pair("filter[updated_at][from]", from.timestamp()));
        }
        if let Some(to) = self.updated_to {
            q.push(pair("filter[updated_at][to]", inclusive_end(to)));
        }
        q
    }
}

/// Which events to list. Query communication events by type and time, not by entity
/// (`filter[entity]=lead` is reported to drop chat and call events).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EventFilter {
    /// Types (empty = all).
    pub types: Vec<EventType>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
}

impl EventFilter {
    /// Events of `types` created in `window`.
    #[must_use]
    pub fn of_types_in(types: Vec<EventType>, window: Window) -> Self {
        Self {
            types,
            created_from: Some(window.start),
            created_to: Some(window.end),
        }
    }

    /// Chat messages, calls and talk events: the timing feed of communications.
    #[must_use]
    pub fn communications_in(window: Window) -> Self {
        Self::of_types_in(
            vec![
                EventType::IncomingChatMessage,
                EventType::OutgoingChatMessage,
                EventType::IncomingCall,
                EventType::OutgoingCall,
                EventType::TalkCreated,
                EventType::TalkClosed,
                EventType::ConversationAnswered,
                EventType::TalkMissedEvent,
            ],
            window,
        )
    }

    /// The query string, without `page` and `limit`.
    #[must_use]
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q: Vec<_> = self
            .types
            .iter()
            .map(|t| pair("filter[type][]", t.as_str()))
            .collect();
        if let Some(from) = self.created_from {
            q.push(pair("filter[created_at][from]", from.timestamp()));
        }
        if let Some(to) = self.created_to {
            q.push(pair("filter[created_at][to]", inclusive_end(to)));
        }
        q
    }
}

/// The account, with its time zone parsed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccountInfo {
    /// Account id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Subdomain.
    pub subdomain: Option<String>,
    /// The account's time zone, when it names a known IANA zone.
    pub timezone: Option<chrono_tz::Tz>,
    /// Teams.
    pub users_groups: Vec<dto::UsersGroup>,
    /// The account as sent.
    pub raw: dto::Account,
}

/// A page of deals with their contacts.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DealsWithContacts {
    /// The deals of one page.
    pub deals: Vec<Deal>,
    /// Their contacts (fetched in batches by id).
    pub contacts: Vec<Contact>,
}

fn missing(op: &str) -> impl Fn(Missing) -> SourceError + '_ {
    move |m| {
        Failure::Http(HttpFailure::Decode {
            path: m.0,
            body_len: 0,
        })
        .into_source(op)
    }
}

impl AmoCrmClient {
    /// The account with its time zone and teams.
    ///
    /// # Errors
    /// [`SourceError`] as classified; `NotFound` for a wrong subdomain.
    pub async fn account(&self) -> Result<AccountInfo, SourceError> {
        const OP: &str = "GET /api/v4/account";
        let url = self.url(
            "/api/v4/account",
            &[pair("with", "datetime_settings,users_groups")],
        );
        let raw: dto::Account = self
            .inner
            .t
            .get_json(&url, OP)
            .await
            .and_then(|a| a.ok_or(Failure::Http(HttpFailure::NotFound)))
            .map_err(|f| f.into_source(OP))?;
        Ok(AccountInfo {
            id: raw.id,
            name: raw.name.clone().unwrap_or_default(),
            subdomain: raw.subdomain.clone(),
            timezone: raw
                .embedded
                .datetime_settings
                .timezone
                .as_deref()
                .and_then(|t| t.parse().ok()),
            users_groups: raw.embedded.users_groups.clone(),
            raw,
        })
    }

    /// Every user (with their groups).
    ///
    /// # Errors
    /// [`SourceError::Forbidden`] when the token's user is not an administrator.
    pub async fn users(&self) -> Result<Vec<dto::User>, SourceError> {
        let listing = Listing::new("/api/v4/users", vec![pair("with", "group")], MAX_LIMIT);
        let op = listing.operation();
        self.list::<dto::UsersPage>(listing)
            .map_ok(|p| stream::iter(p.into_iter().map(Ok)))
            .try_flatten()
            .try_collect()
            .await
            .map_err(|f: Failure| f.into_source(&op))
    }

    /// Every user as a [`Manager`].
    ///
    /// # Errors
    /// As [`users`](Self::users).
    pub async fn managers(&self) -> Result<Vec<Manager>, SourceError> {
        let users = self.users().await?;
        Ok(users
            .into_iter()
            .map(|u| convert::manager(u, &[]))
            .collect())
    }

    /// Every pipeline with its statuses.
    ///
    /// # Errors
    /// [`SourceError`] as classified.
    pub async fn pipelines(&self) -> Result<Vec<dto::Pipeline>, SourceError> {
        const OP: &str = "GET /api/v4/leads/pipelines";
        let url = self.url("/api/v4/leads/pipelines", &[]);
        let env: Option<dto::Envelope<dto::PipelinesPage>> = self
            .inner
            .t
            .get_json(&url, OP)
            .await
            .map_err(|f| f.into_source(OP))?;
        Ok(env.map(|e| e.embedded.pipelines).unwrap_or_default())
    }

    /// Every pipeline as a [`SalesPipeline`], stages in order.
    ///
    /// # Errors
    /// As [`pipelines`](Self::pipelines).
    pub async fn sales_pipelines(&self) -> Result<Vec<SalesPipeline>, SourceError> {
        Ok(self
            .pipelines()
            .await?
            .into_iter()
            .map(convert::pipeline)
            .collect())
    }

    /// Pages of leads matching `filter`, in `updated_at` order, fetched ahead up to the client's
    /// concurrency.
    pub fn leads(
        &self,
        filter: &LeadFilter,
    ) -> impl Stream<Item = Result<Vec<dto::Lead>, SourceError>> + Send + use<> {
        let listing = Listing::new(
            "/api/v4/leads",
            filter.to_query(),
            filter.limit.clamp(1, MAX_LIMIT),
        );
        let op = listing.operation();
        self.list::<dto::LeadsPage>(listing)
            .map_err(move |f| f.into_source(&op))
    }

    /// Pages of deals matching `filter` with their contacts: each page's contact ids are read in
    /// batches of 250 (`filter[id][]`), overlapping with the next lead pages.
    pub fn deals_with_contacts(
        &self,
        filter: &LeadFilter,
    ) -> impl Stream<Item = Result<DealsWithContacts, SourceError>> + Send + use<> {
        let filter = LeadFilter {
            with_contacts: true,
            ..filter.clone()
        };
        let client = self.clone();
        let phones = self.inner.phone_field_ids.clone();
        let concurrency = self.inner.concurrency;
        self.leads(&filter)
            .map_ok(move |leads| {
                let client = client.clone();
                let phones = phones.clone();
                async move {
                    let deals = leads
                        .into_iter()
                        .map(|l| convert::deal(l, &phones))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(missing("GET /api/v4/leads"))?;
                    let mut seen = HashSet::new();
                    let ids: Vec<i64> = deals
                        .iter()
                        .flat_map(|d| d.contacts.iter())
                        .filter_map(|c| c.as_str().parse().ok())
                        .filter(|i| seen.insert(*i))
                        .collect();
                    let contacts = client.contacts_by_ids(&ids).await?;
                    Ok(DealsWithContacts { deals, contacts })
                }
            })
            .try_buffered(concurrency)
    }

    /// Pages of contacts matching `filter`.
    pub fn contacts(
        &self,
        filter: &ContactFilter,
    ) -> impl Stream<Item = Result<Vec<dto::Contact>, SourceError>> + Send + use<> {
        let listing = Listing::new("/api/v4/contacts", filter.to_query(), MAX_LIMIT);
        let op = listing.operation();
        self.list::<dto::ContactsPage>(listing)
            .map_err(move |f| f.into_source(&op))
    }

    /// The contacts with these ids as [`Contact`]s, in batches of 250 ids per request (never one
    /// request per contact); ids amoCRM does not return are absent.
    ///
    /// # Errors
    /// [`SourceError`] as classified.
    pub async fn contacts_by_ids(&self, ids: &[i64]) -> Result<Vec<Contact>, SourceError> {
        let phones = self.inner.phone_field_ids.clone();
        let batches: Vec<Vec<i64>> = ids.chunks(ID_BATCH).map(<[i64]>::to_vec).collect();
        let pages: Vec<Vec<dto::Contact>> = stream::iter(batches)
            .map(|batch| {
                let filter = ContactFilter {
                    ids: batch,
                    ..ContactFilter::default()
                };
                self.contacts(&filter).try_concat()
            })
            .buffered(self.inner.concurrency)
            .try_collect()
            .await?;
        pages
            .into_iter()
            .flatten()
            .map(|c| convert::contact(c, &phones))
            .collect::<Result<Vec<_>, _>>()
            .map_err(missing("GET /api/v4/contacts"))
    }

    /// Pages of notes of leads or contacts.
    pub fn notes(
        &self,
        entity: NoteEntity,
        filter: &NoteFilter,
    ) -> impl Stream<Item = Result<Vec<dto::Note>, SourceError>> + Send + use<> {
        let listing = Listing::new(entity.path(), filter.to_query(), MAX_LIMIT);
        let op = listing.operation();
        self.list::<dto::NotesPage>(listing)
            .map_err(move |f| f.into_source(&op))
    }

    /// Pages of events (100 per page: more breaks amoCRM's paging).
    pub fn events(
        &self,
        filter: &EventFilter,
    ) -> impl Stream<Item = Result<Vec<dto::Event>, SourceError>> + Send + use<> {
        let listing = Listing::new("/api/v4/events", filter.to_query(), EVENTS_LIMIT);
        let op = listing.operation();
        self.list::<dto::EventsPage>(listing)
            .map_err(move |f| f.into_source(&op))
    }

    /// One talk (conversation) by id.
    ///
    /// # Errors
    /// [`SourceError::NotFound`] for an unknown id (404 or 204).
    pub async fn talk(&self, id: i64) -> Result<dto::Talk, SourceError> {
        const OP: &str = "GET /api/v4/talks/{id}";
        let url = self.url(&format!("/api/v4/talks/{id}"), &[]);
        self.inner
            .t
            .get_json(&url, OP)
            .await
            .and_then(|t| t.ok_or(Failure::Http(HttpFailure::NotFound)))
            .map_err(|f| f.into_source(OP))
    }

    /// Talks by id. amoCRM has no talk listing, so this is one request per talk, through the
    /// limiter and up to the client's concurrency; unknown ids are skipped.
    ///
    /// # Errors
    /// The first failure other than `NotFound`.
    pub async fn talks(&self, ids: &[i64]) -> Result<Vec<dto::Talk>, SourceError> {
        let found: Vec<Option<dto::Talk>> = stream::iter(ids.to_vec())
            .map(|id| async move {
                match self.talk(id).await {
                    Ok(t) => Ok(Some(t)),
                    Err(SourceError::NotFound { .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .buffered(self.inner.concurrency)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn encoded(q: &[(String, String)]) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q)
            .finish()
    }

    #[test]
    fn lead_filters_encode_like_the_api_expects() {
        let w = Window::new(at("2026-03-10T00:00:00Z"), at("2026-03-11T00:00:00Z")).unwrap();
        assert_eq!(
            encoded(&LeadFilter::updated_in(w).to_query()),
            "filter%5Bupdated_at%5D%5Bfrom%5D=1773100800&filter%5Bupdated_at%5D%5Bto%5D=1773187199\
             &order%5Bupdated_at%5D=asc&with=contacts"
        );
        let ids = LeadFilter {
            ids: vec![1, 2],
            with_contacts: false,
            ..LeadFilter::default()
        };
        assert_eq!(
            encoded(&ids.to_query()),
            "filter%5Bid%5D%5B%5D=1&filter%5Bid%5D%5B%5D=2&order%5Bupdated_at%5D=asc"
        );
        assert_eq!(
            encoded(&LeadFilter::updated_in(w).deleted().to_query()),
            "filter%5Bupdated_at%5D%5Bfrom%5D=1773100800&filter%5Bupdated_at%5D%5Bto%5D=1773187199\
             &order%5Bupdated_at%5D=asc&with=only_deleted"
        );
        let inc = LeadFilter::updated_since(
            at("2026-03-10T00:10:00Z"),
            std::time::Duration::from_secs(600),
        );
        assert_eq!(inc.updated_from, Some(at("2026-03-10T00:00:00Z")));
    }

    #[test]
    fn event_and_note_filters_encode_types_as_arrays() {
        let w = Window::new(at("2026-03-10T00:00:00Z"), at("2026-03-11T00:00:00Z")).unwrap();
        let e = EventFilter::of_types_in(vec![EventType::LeadStatusChanged], w);
        assert_eq!(
            encoded(&e.to_query()),
            "filter%5Btype%5D%5B%5D=lead_status_changed&filter%5Bcreated_at%5D%5Bfrom%5D=1773100800\
             &filter%5Bcreated_at%5D%5Bto%5D=1773187199"
        );
        assert_eq!(
            encoded(&NoteFilter::calls().to_query()),
            "filter%5Bnote_type%5D%5B%5D=call_in&filter%5Bnote_type%5D%5B%5D=call_out"
        );
        let c = ContactFilter {
            ids: vec![5],
            ..ContactFilter::default()
        };
        assert_eq!(encoded(&c.to_query()), "filter%5Bid%5D%5B%5D=5");
    }
}
