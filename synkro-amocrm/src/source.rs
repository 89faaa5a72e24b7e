//! `impl CrmSource for AmoCrmClient`: each `fetch_*` is one upstream request (plus retries). The
//! opaque [`Cursor`] carries the phase of a multi-part listing (an id batch; lead notes then
//! contact notes; or, for activities, events then lead notes then contact notes), the tag of a
//! listing that shares its paths with others (activities, deleted deals) and the server's
//! `_links.next`, which is re-validated (same host, under `/api/v4/`; for activities also the
//! phase's own path) before it is followed.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use synkro_core::error::{ConfigError, SourceError};
use synkro_core::model::{
    Call, Contact, CrmActivity, Deal, DeletedDeal, Manager, ResponsibleChange, SalesPipeline,
    StageChange,
};
use synkro_core::source::http_failure::HttpFailure;
use synkro_core::source::{
    ActivityQuery, ContactQuery, CrmCapabilities, CrmSource, Cursor, DealQuery, Page,
};
use url::Url;

use crate::api::{
    ContactFilter, EVENTS_LIMIT, EventFilter, ID_BATCH, LeadFilter, MAX_LIMIT, NoteEntity,
    NoteFilter,
};
use crate::client::AmoCrmClient;
use crate::convert::{self, NoteOwner};
use crate::dto::{self, EventType, NoteType, PageItems};
use crate::error::{BACKEND, Failure};
use crate::paging::{Listing, PageOut};

/// The position in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    /// Id batch, or note owner (0 leads, 1 contacts); 0 for plain listings.
    #[serde(rename = "p")]
    phase: usize,
    /// The server's next link inside the phase; `None` = the phase's first page.
    #[serde(rename = "u", skip_serializing_if = "Option::is_none", default)]
    next: Option<String>,
    /// Which listing the cursor belongs to, for listings whose phases share paths with others
    /// (activities read `/api/v4/events` and the notes paths, as stage changes and calls do).
    #[serde(rename = "l", skip_serializing_if = "Option::is_none", default)]
    listing: Option<String>,
}

/// The listing tag of activities cursors.
const ACTIVITIES_TAG: &str = "activities";
/// The listing tag of deleted-deals cursors.
const DELETED_DEALS_TAG: &str = "deleted_deals";

fn decode_cursor(c: Option<&Cursor>) -> Result<Position, Failure> {
    match c {
        None => Ok(Position {
            phase: 0,
            next: None,
            listing: None,
        }),
        Some(c) => serde_json::from_str(c.as_str()).map_err(|_| {
            Failure::Invalid(ConfigError::invalid(
                "cursor",
                "not a cursor of this amoCRM source; start the listing again without one",
            ))
        }),
    }
}

fn encode_cursor(p: &Position) -> Cursor {
    Cursor::new(serde_json::to_string(p).unwrap_or_default())
}

fn page_size(asked: Option<u32>, max: u32) -> u32 {
    asked.map_or(max, |s| s.clamp(1, max))
}

impl AmoCrmClient {
    /// One page of a listing split into `phases` listings; returns the items and the cursor.
    async fn phased_page<P: PageItems>(
        &self,
        cursor: Option<&Cursor>,
        phases: usize,
        listing_of: impl Fn(usize) -> Listing,
    ) -> Result<(Vec<P::Item>, usize, Option<Cursor>), SourceError> {
        self.tagged_page::<P>(cursor, phases, None, listing_of)
            .await
    }

    /// [`phased_page`](Self::phased_page) of the listing tagged `tag` (`None`: untagged): its
    /// cursors carry the tag, and a cursor of another listing is refused rather than followed
    /// (the deleted leads share their path with the leads).
    async fn tagged_page<P: PageItems>(
        &self,
        cursor: Option<&Cursor>,
        phases: usize,
        tag: Option<&str>,
        listing_of: impl Fn(usize) -> Listing,
    ) -> Result<(Vec<P::Item>, usize, Option<Cursor>), SourceError> {
        let first = listing_of(0);
        let op = first.operation();
        let mut pos = decode_cursor(cursor).map_err(|f| f.into_source(&op))?;
        if cursor.is_none() {
            pos.listing = tag.map(str::to_owned);
        } else if pos.listing.as_deref() != tag {
            return Err(Failure::Invalid(ConfigError::invalid(
                "cursor",
                "not a cursor of this listing; start it again without one",
            ))
            .into_source(&op));
        }
        if pos.phase >= phases.max(1) {
            return Err(
                Failure::Invalid(ConfigError::invalid("cursor", "phase out of range"))
                    .into_source(&op),
            );
        }
        let listing = listing_of(pos.phase);
        let (items, next) = self
            .page_in_phase::<P>(&pos, phases, &listing, false)
            .await?;
        Ok((items, pos.phase, next))
    }

    /// The page of `listing` at `pos` (phase `pos.phase` of `phases`), and the cursor after it:
    /// the server's next link in the same phase, else the next phase's first page, else the end.
    /// With `same_path`, a cursor's link must also point at `listing`'s own path, so a cursor of
    /// another phase or listing is refused rather than followed.
    async fn page_in_phase<P: PageItems>(
        &self,
        pos: &Position,
        phases: usize,
        listing: &Listing,
        same_path: bool,
    ) -> Result<(Vec<P::Item>, Option<Cursor>), SourceError> {
        let op = listing.operation();
        let url: Url = match &pos.next {
            Some(href) => {
                let url = self.checked_link(href).map_err(|f| f.into_source(&op))?;
                if same_path && url.path() != listing.path {
                    return Err(Failure::Invalid(ConfigError::invalid(
                        "cursor",
                        "the cursor points at another listing; start again without one",
                    ))
                    .into_source(&op));
                }
                url
            }
            None => self.first_page_url(listing),
        };
        let page = self
            .fetch_page::<P>(&url, &op)
            .await
            .map_err(|f| f.into_source(&op))?;
        let (items, next) = match page {
            Some(PageOut { items, next }) => (items, next),
            None => (Vec::new(), None),
        };
        let cursor = match next {
            Some(n) => Some(encode_cursor(&Position {
                phase: pos.phase,
                next: Some(n.to_string()),
                listing: pos.listing.clone(),
            })),
            None if pos.phase + 1 < phases => Some(encode_cursor(&Position {
                phase: pos.phase + 1,
                next: None,
                listing: pos.listing.clone(),
            })),
            None => None,
        };
        Ok((items, cursor))
    }

    /// Notes of `types` updated from the range's start to its end plus the update slack (a note
    /// is filtered by update time only; its creation time decides afterwards).
    fn activity_window(&self, q: &ActivityQuery, types: Vec<NoteType>) -> NoteFilter {
        NoteFilter {
            types,
            updated_from: Some(q.range.start),
            updated_to: Some(q.range.end + self.inner.note_update_slack),
        }
    }

    async fn event_page(
        &self,
        kind: EventType,
        q: &ActivityQuery,
        cursor: Option<&Cursor>,
    ) -> Result<(Vec<dto::Event>, Option<Cursor>), SourceError> {
        let filter = EventFilter::of_types_in(vec![kind], q.range);
        let limit = page_size(q.page_size, EVENTS_LIMIT);
        let (items, _, next) = self
            .phased_page::<dto::EventsPage>(cursor, 1, |_| {
                Listing::new("/api/v4/events", filter.to_query(), limit)
            })
            .await?;
        Ok((items, next))
    }
}

/// Event types read as [`CrmActivity`] records.
fn activity_event_types() -> Vec<EventType> {
    vec![
        EventType::IncomingChatMessage,
        EventType::OutgoingChatMessage,
        EventType::TalkClosed,
    ]
}

/// The phases of the activities listing: events, then lead notes, then contact notes.
const ACTIVITY_PHASES: usize = 3;

/// Converts `items`, dropping those `f` skips; the first missing field fails the page as
/// [`SourceError::Decode`] naming it.
fn convert_some<T, U>(
    items: &[T],
    op: &str,
    f: impl Fn(&T) -> Result<Option<U>, convert::Missing>,
) -> Result<Vec<U>, SourceError> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match f(item) {
            Ok(Some(u)) => out.push(u),
            Ok(None) => {}
            Err(m) => {
                return Err(Failure::Http(HttpFailure::Decode {
                    path: m.0,
                    body_len: 0,
                })
                .into_source(op));
            }
        }
    }
    Ok(out)
}

fn convert_all<T, U>(
    items: Vec<T>,
    op: &str,
    f: impl Fn(T) -> Result<U, convert::Missing>,
) -> Result<Vec<U>, SourceError> {
    items
        .into_iter()
        .map(f)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| {
            Failure::Http(HttpFailure::Decode {
                path: m.0,
                body_len: 0,
            })
            .into_source(op)
        })
}

fn parse_ids<T: AsRef<str>>(ids: &[T], what: &str) -> Result<Vec<i64>, SourceError> {
    ids.iter()
        .map(|i| {
            i.as_ref()
                .parse::<i64>()
                .map_err(|_| SourceError::InvalidConfig {
                    backend: BACKEND,
                    source: ConfigError::invalid(
                        what,
                        format!("`{}` is not an amoCRM id (ids are integers)", i.as_ref()),
                    ),
                })
        })
        .collect()
}

#[async_trait]
impl CrmSource for AmoCrmClient {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    /// Deals come in `updated_at` order and deleted deals from `with=only_deleted`; calls come
    /// from call notes, stage and responsible changes from events, activities from chat-message
    /// and `talk_closed` events and `common` notes; pages hold up to 250 items (events 100).
    fn capabilities(&self) -> CrmCapabilities {
        CrmCapabilities::full(MAX_LIMIT)
            .with_activities()
            .with_deleted_deals()
    }

    async fn fetch_sales_pipelines(&self) -> Result<Vec<SalesPipeline>, SourceError> {
        self.sales_pipelines().await
    }

    async fn fetch_managers(&self) -> Result<Vec<Manager>, SourceError> {
        self.managers().await
    }

    async fn fetch_deals<'a>(
        &self,
        q: &DealQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Deal>, SourceError> {
        let ids = deal_ids(q)?;
        let batches: Vec<&[i64]> = ids.chunks(ID_BATCH).collect();
        let (items, _, next) = self
            .phased_page::<dto::LeadsPage>(page, batches.len().max(1), |phase| {
                leads_listing(q, batches.get(phase), false)
            })
            .await?;
        let phones = &self.inner.phone_field_ids;
        Ok(Page {
            items: convert_all(items, "GET /api/v4/leads", |l| convert::deal(l, phones))?,
            next,
        })
    }

    /// `GET /api/v4/leads?with=only_deleted` with the leads listing's id batches, `updated_at`
    /// filter and order: the deleted (still restorable) leads, each deleted at its update time.
    /// Its cursors are tagged, so a cursor of the leads listing is refused.
    async fn fetch_deleted_deals<'a>(
        &self,
        q: &DealQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<DeletedDeal>, SourceError> {
        let ids = deal_ids(q)?;
        let batches: Vec<&[i64]> = ids.chunks(ID_BATCH).collect();
        let (items, _, next) = self
            .tagged_page::<dto::LeadsPage>(
                page,
                batches.len().max(1),
                Some(DELETED_DEALS_TAG),
                |phase| leads_listing(q, batches.get(phase), true),
            )
            .await?;
        Ok(Page {
            items: convert_some(&items, "GET /api/v4/leads", convert::deleted_deal)?,
            next,
        })
    }

    async fn fetch_contacts<'a>(
        &self,
        q: &ContactQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Contact>, SourceError> {
        let ids = parse_ids(
            &q.ids.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "contact id",
        )?;
        let batches: Vec<&[i64]> = ids.chunks(ID_BATCH).collect();
        let limit = page_size(q.page_size, MAX_LIMIT);
        let (items, _, next) = self
            .phased_page::<dto::ContactsPage>(page, batches.len().max(1), |phase| {
                let f = ContactFilter {
                    ids: batches.get(phase).map(|b| b.to_vec()).unwrap_or_default(),
                    updated_from: q.updated.map(|w| w.start),
                    updated_to: q.updated.map(|w| w.end),
                };
                Listing::new("/api/v4/contacts", f.to_query(), limit)
            })
            .await?;
        let phones = &self.inner.phone_field_ids;
        Ok(Page {
            items: convert_all(items, "GET /api/v4/contacts", |c| {
                convert::contact(c, phones)
            })?,
            next,
        })
    }

    async fn fetch_calls<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Call>, SourceError> {
        let filter = self.activity_window(q, NoteFilter::calls().types);
        let limit = page_size(q.page_size, MAX_LIMIT);
        let owners = [NoteEntity::Leads, NoteEntity::Contacts];
        let (notes, phase, next) = self
            .phased_page::<dto::NotesPage>(page, owners.len(), |phase| {
                Listing::new(owners[phase].path(), filter.to_query(), limit)
            })
            .await?;
        let owner = if phase == 0 {
            NoteOwner::Lead
        } else {
            NoteOwner::Contact
        };
        let items = notes
            .iter()
            .filter_map(|n| convert::call(n, owner))
            .filter(|c| q.range.contains(c.started_at))
            .collect();
        Ok(Page { items, next })
    }

    async fn fetch_stage_changes<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<StageChange>, SourceError> {
        let (events, next) = self
            .event_page(EventType::LeadStatusChanged, q, page)
            .await?;
        Ok(Page {
            items: events.iter().filter_map(convert::stage_change).collect(),
            next,
        })
    }

    async fn fetch_responsible_changes<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<ResponsibleChange>, SourceError> {
        let (events, next) = self
            .event_page(EventType::EntityResponsibleChanged, q, page)
            .await?;
        Ok(Page {
            items: events
                .iter()
                .filter_map(convert::responsible_change)
                .collect(),
            next,
        })
    }

    /// Chat-message and `talk_closed` events created in `q.range` (queried by type and
    /// `created_at`, never by entity, 100 per page), then `common` notes of leads, then of
    /// contacts, updated from the range's start to its end plus the update slack and kept when
    /// created in the range. Events keep their string id, notes become `note:<id>`; a lead is the
    /// deal, a contact the contact; `created_by` is kept as sent (`0` is the robot); the talk id
    /// comes from `value_after` (or `value_before`) when some shape carries it.
    async fn fetch_activities<'a>(
        &self,
        q: &ActivityQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<CrmActivity>, SourceError> {
        const EVENTS: &str = "/api/v4/events";
        let refuse = |why: &str| {
            Failure::Invalid(ConfigError::invalid("cursor", why))
                .into_source(&format!("GET {EVENTS}"))
        };
        let mut pos = decode_cursor(page).map_err(|f| f.into_source(&format!("GET {EVENTS}")))?;
        match (page, pos.listing.as_deref()) {
            (None, _) => pos.listing = Some(ACTIVITIES_TAG.to_owned()),
            (Some(_), Some(ACTIVITIES_TAG)) => {}
            (Some(_), _) => {
                return Err(refuse(
                    "not a cursor of the activities listing; start it again without one",
                ));
            }
        }
        let mut out = match pos.phase {
            0 => {
                let filter = EventFilter::of_types_in(activity_event_types(), q.range);
                let listing = Listing::new(
                    EVENTS,
                    filter.to_query(),
                    page_size(q.page_size, EVENTS_LIMIT),
                );
                let (events, next) = self
                    .page_in_phase::<dto::EventsPage>(&pos, ACTIVITY_PHASES, &listing, true)
                    .await?;
                let items = convert_some(&events, &listing.operation(), |e| {
                    convert::activity_of_event(e)
                })?;
                Page { items, next }
            }
            1 | 2 => {
                let (entity, owner) = if pos.phase == 1 {
                    (NoteEntity::Leads, NoteOwner::Lead)
                } else {
                    (NoteEntity::Contacts, NoteOwner::Contact)
                };
                let filter = self.activity_window(q, vec![NoteType::Common]);
                let listing = Listing::new(
                    entity.path(),
                    filter.to_query(),
                    page_size(q.page_size, MAX_LIMIT),
                );
                let (notes, next) = self
                    .page_in_phase::<dto::NotesPage>(&pos, ACTIVITY_PHASES, &listing, true)
                    .await?;
                let items = convert_some(&notes, &listing.operation(), |n| {
                    convert::activity_of_note(n, owner)
                })?;
                Page { items, next }
            }
            _ => return Err(refuse("phase out of range")),
        };
        out.items.retain(|a| q.range.contains(a.at));
        Ok(out)
    }
}

/// The deal ids of a query as amoCRM lead ids.
fn deal_ids(q: &DealQuery) -> Result<Vec<i64>, SourceError> {
    parse_ids(
        &q.ids.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
        "deal id",
    )
}

/// One page request of `GET /api/v4/leads` for a query: its `updated_at` filter, one batch of its
/// ids (none: every lead) and its page size; `deleted` asks for the deleted leads
/// (`with=only_deleted`).
fn leads_listing(q: &DealQuery, ids: Option<&&[i64]>, deleted: bool) -> Listing {
    let mut f = match q.updated {
        Some(w) => LeadFilter::updated_in(w),
        None => LeadFilter::default(),
    };
    if deleted {
        f = f.deleted();
    }
    f.ids = ids.map(|b| b.to_vec()).unwrap_or_default();
    Listing::new(
        "/api/v4/leads",
        f.to_query(),
        page_size(q.page_size, MAX_LIMIT),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let p = Position {
            phase: 2,
            next: Some("https://a.amocrm.ru/api/v4/leads?page=3".into()),
            listing: None,
        };
        assert_eq!(decode_cursor(Some(&encode_cursor(&p))).unwrap(), p);
        assert!(decode_cursor(Some(&Cursor::new("garbage"))).is_err());
    }
}
