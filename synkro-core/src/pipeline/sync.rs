//! Paged, cancellable sync functions that every built-in mode uses and custom modes may reuse.
//!
//! Each function reads one stream page by page, calls [`RunContext::checkpoint`] before every
//! request, and writes every page with [`RunContext::apply`] as soon as it arrives, so a large
//! account is never held in memory and a cancelled run keeps what it committed. Source errors come
//! back as [`RunError::Source`] naming the sub-step (`sync.amocrm.deals`, …). There are no caps:
//! a listing ends only when the source says so.

use std::collections::BTreeSet;

use crate::error::{RunError, SourceError};
use crate::model::{Chat, ContactId, Window};
use crate::pipeline::RunContext;
use crate::source::{
    ActivityQuery, ChatQuery, ContactQuery, CrmSource, Cursor, DealQuery, MessageQuery,
    MessengerSource, Page,
};
use crate::store::SyncBatch;

fn source_err(source: &str, stream: &str) -> impl FnOnce(SourceError) -> RunError {
    let step = format!("sync.{source}.{stream}");
    move |e| RunError::Source { step, source: e }
}

/// Reads every page of one listing, writing each page as a [`SyncBatch`] built by `to_batch`.
async fn pages<T, F, Fut, B>(
    cx: &RunContext,
    source: &str,
    stream: &str,
    mut fetch: F,
    mut to_batch: B,
) -> Result<(), RunError>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, SourceError>>,
    B: FnMut(Vec<T>) -> SyncBatch,
{
    let mut cursor = None;
    loop {
        cx.checkpoint().await?;
        let page = fetch(cursor.take())
            .await
            .map_err(source_err(source, stream))?;
        let next = page.next;
        cx.apply(source, &to_batch(page.items)).await?;
        match next {
            Some(c) => cursor = Some(c),
            None => return Ok(()),
        }
    }
}

/// Sales pipelines and managers.
///
/// # Errors
/// [`RunError::Source`] (`sync.<crm>.sales_pipelines` / `.managers`), `Cancelled`, `Store`.
pub async fn crm_reference(cx: &RunContext, crm: &dyn CrmSource) -> Result<(), RunError> {
    let src = crm.backend();
    cx.checkpoint().await?;
    let sales_pipelines = crm
        .fetch_sales_pipelines()
        .await
        .map_err(source_err(src, "sales_pipelines"))?;
    cx.checkpoint().await?;
    let managers = crm
        .fetch_managers()
        .await
        .map_err(source_err(src, "managers"))?;
    cx.apply(
        src,
        &SyncBatch {
            sales_pipelines,
            managers,
            ..SyncBatch::default()
        },
    )
    .await?;
    Ok(())
}

/// Deals updated in `range`; returns the ids of their contacts.
///
/// # Errors
/// [`RunError::Source`] (`sync.<crm>.deals`), `Cancelled`, `Store`.
pub async fn deals(
    cx: &RunContext,
    crm: &dyn CrmSource,
    range: Window,
) -> Result<BTreeSet<ContactId>, RunError> {
    let q = DealQuery::updated_in(range);
    let mut contacts = BTreeSet::new();
    pages(
        cx,
        crm.backend(),
        "deals",
        |c| {
            let q = &q;
            async move { crm.fetch_deals(q, c.as_ref()).await }
        },
        |deals| {
            contacts.extend(deals.iter().flat_map(|d| d.contacts.iter().cloned()));
            SyncBatch {
                deals,
                ..SyncBatch::default()
            }
        },
    )
    .await?;
    Ok(contacts)
}

/// Deals deleted in the CRM whose deletion is in `range`, when the source's
/// [`CrmCapabilities`](crate::source::CrmCapabilities) say it lists them
/// ([`with_deleted_deals`](crate::source::CrmCapabilities::with_deleted_deals)); each page is
/// applied as [`SyncBatch::deleted_deals`], which marks the stored deals deleted (a deal never
/// stored stays absent). A deleted deal the CRM restores is listed again by [`deals`] with a newer
/// update time, and that record clears the mark. A source without the capability is never asked.
///
/// # Errors
/// [`RunError::Source`] (`sync.<crm>.deleted_deals`), `Cancelled`, `Store`.
pub async fn deleted_deals(
    cx: &RunContext,
    crm: &dyn CrmSource,
    range: Window,
) -> Result<(), RunError> {
    if !crm.capabilities().deleted_deals {
        return Ok(());
    }
    let q = DealQuery::updated_in(range);
    pages(
        cx,
        crm.backend(),
        "deleted_deals",
        |c| {
            let q = &q;
            async move { crm.fetch_deleted_deals(q, c.as_ref()).await }
        },
        |deleted_deals| SyncBatch {
            deleted_deals,
            ..SyncBatch::default()
        },
    )
    .await
}

/// The contacts with these ids, in batches of the source's page size (never one request per
/// contact).
///
/// # Errors
/// [`RunError::Source`] (`sync.<crm>.contacts`), `Cancelled`, `Store`.
pub async fn contacts(
    cx: &RunContext,
    crm: &dyn CrmSource,
    ids: &BTreeSet<ContactId>,
) -> Result<(), RunError> {
    let batch = crm.capabilities().max_page_size.max(1) as usize;
    let ids: Vec<ContactId> = ids.iter().cloned().collect();
    for chunk in ids.chunks(batch) {
        let q = ContactQuery::by_ids(chunk.to_vec());
        pages(
            cx,
            crm.backend(),
            "contacts",
            |c| {
                let q = &q;
                async move { crm.fetch_contacts(q, c.as_ref()).await }
            },
            |contacts| SyncBatch {
                contacts,
                ..SyncBatch::default()
            },
        )
        .await?;
    }
    Ok(())
}

/// Calls, stage changes, responsible changes and [`CrmActivity`](crate::model::CrmActivity)
/// records (chat-message events, closed conversations, notes) in `range`, each when the source's
/// [`CrmCapabilities`](crate::source::CrmCapabilities) say it has them. A source says it has
/// activities with [`CrmCapabilities::with_activities`](crate::source::CrmCapabilities::with_activities);
/// one that says so and then answers [`SourceError::Unsupported`] fails the step like any other
/// source error.
///
/// # Errors
/// [`RunError::Source`] (`sync.<crm>.calls` / `.stage_changes` / `.responsible_changes` /
/// `.activities`), `Cancelled`, `Store`.
pub async fn activities(
    cx: &RunContext,
    crm: &dyn CrmSource,
    range: Window,
) -> Result<(), RunError> {
    let caps = crm.capabilities();
    let q = ActivityQuery::in_range(range);
    let src = crm.backend();
    if caps.calls {
        pages(
            cx,
            src,
            "calls",
            |c| {
                let q = &q;
                async move { crm.fetch_calls(q, c.as_ref()).await }
            },
            |calls| SyncBatch {
                calls,
                ..SyncBatch::default()
            },
        )
        .await?;
    }
    if caps.stage_changes {
        pages(
            cx,
            src,
            "stage_changes",
            |c| {
                let q = &q;
                async move { crm.fetch_stage_changes(q, c.as_ref()).await }
            },
            |stage_changes| SyncBatch {
                stage_changes,
                ..SyncBatch::default()
            },
        )
        .await?;
    }
    if caps.responsible_changes {
        pages(
            cx,
            src,
            "responsible_changes",
            |c| {
                let q = &q;
                async move { crm.fetch_responsible_changes(q, c.as_ref()).await }
            },
            |responsible_changes| SyncBatch {
                responsible_changes,
                ..SyncBatch::default()
            },
        )
        .await?;
    }
    if caps.activities {
        crm_activities(cx, crm, &q).await?;
    }
    Ok(())
}

/// Every page of CRM activities of `q`.
async fn crm_activities(
    cx: &RunContext,
    crm: &dyn CrmSource,
    q: &ActivityQuery,
) -> Result<(), RunError> {
    pages(
        cx,
        crm.backend(),
        "activities",
        |c| async move { crm.fetch_activities(q, c.as_ref()).await },
        |activities| SyncBatch {
            activities,
            ..SyncBatch::default()
        },
    )
    .await
}

/// The whole CRM sync of the built-in modes over the run's read range: reference data, deals,
/// deleted deals ([`deleted_deals`]), the deals' contacts, then calls, stage and responsible
/// changes and CRM activities ([`activities`]).
///
/// # Errors
/// As the functions it calls.
pub async fn crm(cx: &RunContext, crm: &dyn CrmSource) -> Result<(), RunError> {
    let range = cx.read_range();
    crm_reference(cx, crm).await?;
    let contact_ids = deals(cx, crm, range).await?;
    deleted_deals(cx, crm, range).await?;
    contacts(cx, crm, &contact_ids).await?;
    activities(cx, crm, range).await
}

/// Chats active since `since` (every chat when the source cannot filter), keeping and storing
/// those `keep` accepts. Returns the kept chats.
///
/// # Errors
/// [`RunError::Source`] (`sync.<messenger>.chats`), `Cancelled`, `Store`.
pub async fn chats(
    cx: &RunContext,
    messenger: &dyn MessengerSource,
    since: chrono::DateTime<chrono::Utc>,
    mut keep: impl FnMut(&Chat) -> bool,
) -> Result<Vec<Chat>, RunError> {
    let q = ChatQuery {
        active_since: Some(since),
        page_size: Some(cx.config().radist_fetch_limit),
        ..ChatQuery::default()
    };
    let mut kept = Vec::new();
    pages(
        cx,
        messenger.backend(),
        "chats",
        |c| {
            let q = &q;
            async move { messenger.fetch_chats(q, c.as_ref()).await }
        },
        |chats| {
            let chats: Vec<Chat> = chats
                .into_iter()
                .filter(|c| c.last_message_at.is_none_or(|t| t >= since) && keep(c))
                .collect();
            kept.extend(chats.iter().cloned());
            SyncBatch {
                chats,
                ..SyncBatch::default()
            }
        },
    )
    .await?;
    Ok(kept)
}

/// How many chats' messages are read at once: enough to keep a rate-limited source busy while
/// responses are in flight (the source's own limiter still bounds the request rate).
pub const MESSAGE_CHATS_IN_FLIGHT: usize = 4;

/// Every message in `range` of each chat, up to [`MESSAGE_CHATS_IN_FLIGHT`] chats at a time (the
/// pages of one chat stay in order). Chats whose last message is before the range are skipped
/// without a request.
///
/// # Errors
/// [`RunError::Source`] (`sync.<messenger>.messages`), `Cancelled`, `Store`; the first error stops
/// the other chats' reads (reads have no side effects; committed pages stay).
pub async fn messages(
    cx: &RunContext,
    messenger: &dyn MessengerSource,
    chats: &[Chat],
    range: Window,
) -> Result<(), RunError> {
    use futures::{StreamExt, TryStreamExt};

    let q = MessageQuery {
        range,
        page_size: Some(cx.config().radist_fetch_limit),
    };
    let q = &q;
    // The futures are built up front (they are lazy): a stream of closures here would not be
    // provably `Send` for every lifetime inside `#[async_trait]` modes.
    let mut reads = Vec::with_capacity(chats.len());
    for chat in chats {
        if chat.last_message_at.is_some_and(|t| t < range.start) {
            continue;
        }
        reads.push(pages(
            cx,
            messenger.backend(),
            "messages",
            move |c| async move { messenger.fetch_messages(&chat.id, q, c.as_ref()).await },
            |messages| SyncBatch {
                messages,
                ..SyncBatch::default()
            },
        ));
    }
    futures::stream::iter(reads)
        .buffer_unordered(MESSAGE_CHATS_IN_FLIGHT)
        .try_collect::<()>()
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use mockall::Sequence;
    use mockall::predicate::always;

    use super::*;
    use crate::model::fixtures;
    use crate::model::{ActivityKind, ContactId, CrmActivity, Deal, DealId, EventId, EventLevel};
    use crate::pipeline::context::testing::{context, with_run};
    use crate::source::{CrmCapabilities, MockCrmSource};

    /// Capabilities of a source that has CRM activities and nothing else optional.
    fn activities_only(max_page_size: u32) -> CrmCapabilities {
        CrmCapabilities {
            calls: false,
            stage_changes: false,
            responsible_changes: false,
            ..CrmCapabilities::full(max_page_size).with_activities()
        }
    }

    fn activity(id: &str, minute: i64, deal: Option<&str>, contact: Option<&str>) -> CrmActivity {
        let start: chrono::DateTime<chrono::Utc> =
            "2026-03-10T00:00:00Z".parse().expect("valid instant");
        CrmActivity {
            id: EventId::new(id),
            kind: ActivityKind::OutgoingChatMessage,
            at: start + chrono::Duration::minutes(minute),
            by: None,
            deal: deal.map(DealId::new),
            contact: contact.map(ContactId::new),
            talk: None,
        }
    }

    fn deal(id: u32, contacts: &[u32]) -> Deal {
        Deal {
            contacts: contacts
                .iter()
                .map(|c| ContactId::new(c.to_string()))
                .collect(),
            created_at: fixtures::at("2026-03-10T12:00:00Z"),
            ..fixtures::deal(&id.to_string())
        }
    }

    #[tokio::test]
    async fn deals_are_read_over_the_read_range_page_by_page_until_no_next() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        let mut seq = Sequence::new();
        let cx_range = Window {
            start: "2026-03-09T23:50:00Z".parse().expect("valid instant"),
            end: "2026-03-11T00:00:00Z".parse().expect("valid instant"),
        };
        crm.expect_fetch_deals()
            .withf(move |q, page| q.updated == Some(cx_range) && page.is_none())
            .times(1)
            .in_sequence(&mut seq)
            // A short page with a next cursor is not the end.
            .returning(|_, _| {
                Ok(Page {
                    items: vec![deal(1, &[10, 11])],
                    next: Some(Cursor::new("p2")),
                })
            });
        crm.expect_fetch_deals()
            .withf(|_, page| page.map(Cursor::as_str) == Some("p2"))
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| Ok(Page::last(vec![deal(2, &[11, 12])])));
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        let contacts = deals(&cx, crm.as_ref(), cx.read_range())
            .await
            .expect("sync succeeds");
        let ids: Vec<&str> = contacts.iter().map(ContactId::as_str).collect();
        assert_eq!(ids, ["10", "11", "12"]);
        let stored = cx.store().deals(cx.tenant().id).await.expect("store reads");
        assert_eq!(stored.len(), 2, "each page was written");
    }

    #[tokio::test]
    async fn contacts_are_asked_for_in_batches_of_the_page_size() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_capabilities()
            .return_const(CrmCapabilities::full(2));
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = asked.clone();
        crm.expect_fetch_contacts()
            .with(always(), always())
            .times(3)
            .returning(move |q, _| {
                log.lock().expect("not poisoned").push(
                    q.ids
                        .iter()
                        .map(|c| c.as_str().to_owned())
                        .collect::<Vec<_>>(),
                );
                Ok(Page::last(Vec::new()))
            });
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        let ids = ["1", "2", "3", "4", "5"]
            .into_iter()
            .map(ContactId::new)
            .collect();
        contacts(&cx, crm.as_ref(), &ids)
            .await
            .expect("sync succeeds");
        assert_eq!(
            *asked.lock().expect("not poisoned"),
            [vec!["1", "2"], vec!["3", "4"], vec!["5"]]
        );
    }

    #[tokio::test]
    async fn a_cancelled_run_makes_no_further_request() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_fetch_deals().times(0);
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        cx.cancel.cancel();
        let err = deals(&cx, crm.as_ref(), cx.read_range())
            .await
            .expect_err("cancelled");
        assert!(matches!(err, RunError::Cancelled));
    }

    #[tokio::test]
    async fn crm_activities_are_read_over_the_range_page_by_page_and_stored() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_capabilities().return_const(activities_only(50));
        crm.expect_fetch_calls().times(0);
        crm.expect_fetch_stage_changes().times(0);
        crm.expect_fetch_responsible_changes().times(0);
        let range = Window {
            start: "2026-03-09T23:50:00Z".parse().expect("valid instant"),
            end: "2026-03-11T00:00:00Z".parse().expect("valid instant"),
        };
        let mut seq = Sequence::new();
        crm.expect_fetch_activities()
            .withf(move |q, page| q.range == range && page.is_none())
            .times(1)
            .in_sequence(&mut seq)
            // A short page with a next cursor is not the end.
            .returning(|_, _| {
                Ok(Page {
                    items: vec![activity("e1", 60, Some("1"), None)],
                    next: Some(Cursor::new("a2")),
                })
            });
        crm.expect_fetch_activities()
            .withf(move |q, page| q.range == range && page.map(Cursor::as_str) == Some("a2"))
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| {
                Ok(Page::last(vec![
                    activity("note:7", 30, None, Some("10")),
                    activity("e2", 90, Some("2"), None),
                ]))
            });
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        activities(&cx, crm.as_ref(), cx.read_range())
            .await
            .expect("sync succeeds");
        let stored = cx
            .store()
            .activities_in(
                cx.tenant().id,
                &cx.read_range(),
                &[DealId::new("1"), DealId::new("2")],
                &[ContactId::new("10")],
            )
            .await
            .expect("store reads");
        let ids: Vec<&str> = stored.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["note:7", "e1", "e2"], "every page was written");
    }

    #[tokio::test]
    async fn crm_activities_are_not_asked_for_without_the_capability() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_capabilities()
            .return_const(CrmCapabilities::full(50));
        crm.expect_fetch_calls()
            .times(1)
            .returning(|_, _| Ok(Page::last(Vec::new())));
        crm.expect_fetch_stage_changes()
            .times(1)
            .returning(|_, _| Ok(Page::last(Vec::new())));
        crm.expect_fetch_responsible_changes()
            .times(1)
            .returning(|_, _| Ok(Page::last(Vec::new())));
        crm.expect_fetch_activities().times(0);
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        let done = activities(&cx, crm.as_ref(), cx.read_range()).await;
        assert!(done.is_ok(), "{done:?}");
    }

    #[tokio::test]
    async fn a_failing_activities_page_names_the_sub_step_and_keeps_earlier_pages() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_capabilities().return_const(activities_only(50));
        crm.expect_fetch_activities()
            .withf(|_, page| page.is_none())
            .times(1)
            .returning(|_, _| {
                Ok(Page {
                    items: vec![activity("e1", 60, Some("1"), None)],
                    next: Some(Cursor::new("a2")),
                })
            });
        crm.expect_fetch_activities()
            .withf(|_, page| page.is_some())
            .times(1)
            .returning(|_, _| {
                Err(SourceError::Unavailable {
                    backend: "amocrm",
                    operation: "GET /api/v4/events".into(),
                    source: None,
                })
            });
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        let err = activities(&cx, crm.as_ref(), cx.read_range())
            .await
            .expect_err("the second page fails");
        match err {
            RunError::Source { step, source } => {
                assert_eq!(step, "sync.amocrm.activities");
                assert_eq!(source.kind(), "unavailable");
            }
            other => panic!("expected a source error, got {other:?}"),
        }
        let stored = cx
            .store()
            .activities_in(cx.tenant().id, &cx.read_range(), &[DealId::new("1")], &[])
            .await
            .expect("store reads");
        assert_eq!(stored.len(), 1, "the first page stays committed");
    }

    #[tokio::test]
    async fn a_cancelled_run_asks_for_no_activities() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_capabilities().return_const(activities_only(50));
        crm.expect_fetch_activities().times(0);
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        cx.cancel.cancel();
        let err = activities(&cx, crm.as_ref(), cx.read_range())
            .await
            .expect_err("cancelled");
        assert!(matches!(err, RunError::Cancelled), "{err:?}");
    }

    fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
        s.parse().expect("valid instant")
    }

    #[tokio::test]
    async fn deleted_deals_mark_stored_deals_page_by_page_and_a_restored_deal_comes_back() {
        use crate::model::DeletedDeal;

        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_capabilities()
            .return_const(CrmCapabilities::full(50).with_deleted_deals());
        let mut seq = Sequence::new();
        let range = Window {
            start: at("2026-03-09T23:50:00Z"),
            end: at("2026-03-11T00:00:00Z"),
        };
        crm.expect_fetch_deleted_deals()
            .withf(move |q, page| q.updated == Some(range) && page.is_none())
            .times(1)
            .in_sequence(&mut seq)
            // A short page with a next cursor is not the end.
            .returning(|_, _| {
                Ok(Page {
                    items: vec![DeletedDeal::new("1", at("2026-03-10T15:00:00Z"))],
                    next: Some(Cursor::new("d2")),
                })
            });
        crm.expect_fetch_deleted_deals()
            .withf(|_, page| page.map(Cursor::as_str) == Some("d2"))
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| {
                Ok(Page::last(vec![
                    // Never stored: nothing is created.
                    DeletedDeal::new("9", at("2026-03-10T16:00:00Z")),
                    // Stored deal 2 was updated after this deletion: it stays live.
                    DeletedDeal::new("2", at("2026-03-10T11:00:00Z")),
                ]))
            });
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        let tenant = cx.tenant().id;
        // Deals 1 and 2 were stored by an earlier sync (updated at 12:00).
        cx.apply(
            "amocrm",
            &SyncBatch {
                deals: vec![deal(1, &[10]), deal(2, &[11])],
                ..SyncBatch::default()
            },
        )
        .await
        .expect("stored");
        deleted_deals(&cx, crm.as_ref(), cx.read_range())
            .await
            .expect("sync succeeds");
        let stored = cx.store().deals(tenant).await.expect("store reads");
        let state: Vec<(&str, Option<chrono::DateTime<chrono::Utc>>)> = stored
            .iter()
            .map(|d| (d.id.as_str(), d.deleted_at))
            .collect();
        assert_eq!(
            state,
            [("1", Some(at("2026-03-10T15:00:00Z"))), ("2", None)],
            "deal 1 is marked, deal 2 stays live, deal 9 is not created"
        );
        assert_eq!(stored[0].updated_at, at("2026-03-10T15:00:00Z"));
        assert_eq!(stored[0].name, "deal 1", "the rest of the deal stays");

        // The CRM lists deal 1 again after its deletion: restored.
        let mut restored = deal(1, &[10]);
        restored.updated_at = at("2026-03-10T18:00:00Z");
        cx.apply(
            "amocrm",
            &SyncBatch {
                deals: vec![restored.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .expect("stored");
        let back = cx
            .store()
            .deals_by_ids(tenant, &[DealId::new("1")])
            .await
            .expect("store reads");
        assert_eq!(back, vec![restored]);
        assert!(!back[0].is_deleted());
    }

    #[tokio::test]
    async fn deleted_deals_are_not_asked_for_without_the_capability() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_capabilities()
            .return_const(CrmCapabilities::full(50).with_activities());
        crm.expect_fetch_deleted_deals().times(0);
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        let done = deleted_deals(&cx, crm.as_ref(), cx.read_range()).await;
        assert!(done.is_ok(), "{done:?}");
    }

    #[tokio::test]
    async fn a_failing_deleted_deals_page_names_the_sub_step() {
        let mut crm = MockCrmSource::new();
        crm.expect_backend().return_const("amocrm");
        crm.expect_capabilities()
            .return_const(CrmCapabilities::full(50).with_deleted_deals());
        crm.expect_fetch_deleted_deals().times(1).returning(|_, _| {
            Err(SourceError::Unavailable {
                backend: "amocrm",
                operation: "GET /api/v4/leads".into(),
                source: None,
            })
        });
        let crm: Arc<dyn CrmSource> = Arc::new(crm);
        let cx = context(Some(crm.clone()), None).await;
        match deleted_deals(&cx, crm.as_ref(), cx.read_range()).await {
            Err(RunError::Source { step, source }) => {
                assert_eq!(step, "sync.amocrm.deleted_deals");
                assert_eq!(source.kind(), "unavailable");
            }
            other => panic!("expected a source error, got {other:?}"),
        }
    }

    /// A source written before activities existed: `CrmCapabilities::full`, the default
    /// `fetch_activities` (which answers `Unsupported`).
    #[derive(Debug)]
    struct LegacyCrm;

    #[async_trait::async_trait]
    impl CrmSource for LegacyCrm {
        fn backend(&self) -> &'static str {
            "legacy"
        }
        fn capabilities(&self) -> CrmCapabilities {
            CrmCapabilities::full(50)
        }
        async fn fetch_sales_pipelines(
            &self,
        ) -> Result<Vec<crate::model::SalesPipeline>, SourceError> {
            Ok(Vec::new())
        }
        async fn fetch_managers(&self) -> Result<Vec<crate::model::Manager>, SourceError> {
            Ok(Vec::new())
        }
        async fn fetch_deals<'a>(
            &self,
            _q: &DealQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<Deal>, SourceError> {
            Ok(Page::last(vec![deal(1, &[10])]))
        }
        async fn fetch_contacts<'a>(
            &self,
            _q: &ContactQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<crate::model::Contact>, SourceError> {
            Ok(Page::last(Vec::new()))
        }
        async fn fetch_calls<'a>(
            &self,
            _q: &ActivityQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<crate::model::Call>, SourceError> {
            Ok(Page::last(Vec::new()))
        }
        async fn fetch_stage_changes<'a>(
            &self,
            _q: &ActivityQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<crate::model::StageChange>, SourceError> {
            Ok(Page::last(Vec::new()))
        }
        async fn fetch_responsible_changes<'a>(
            &self,
            _q: &ActivityQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<crate::model::ResponsibleChange>, SourceError> {
            Ok(Page::last(Vec::new()))
        }
    }

    #[tokio::test]
    async fn a_source_written_before_activities_is_never_asked_for_them() {
        let crm: Arc<dyn CrmSource> = Arc::new(LegacyCrm);
        assert!(!crm.capabilities().activities);
        let cx = context(Some(crm.clone()), None).await;
        with_run(&cx).await;
        super::crm(&cx, crm.as_ref())
            .await
            .expect("the CRM syncs without activities");
        assert_eq!(
            cx.store().deals(cx.tenant().id).await.expect("reads").len(),
            1,
            "deals were stored"
        );
        let events = cx
            .store()
            .run_events(cx.tenant().id, cx.run_id())
            .await
            .expect("reads");
        let steps: Vec<&str> = events.iter().map(|e| e.event.step.as_str()).collect();
        assert!(
            !steps.contains(&"sync.legacy.activities"),
            "activities were never asked for: {steps:?}"
        );
        assert!(
            !steps.contains(&"sync.legacy.deleted_deals"),
            "deleted deals were never asked for: {steps:?}"
        );
        assert!(!crm.capabilities().deleted_deals);
        assert!(
            events.iter().all(|e| e.event.level != EventLevel::Warn),
            "no warnings: {steps:?}"
        );
    }
}
