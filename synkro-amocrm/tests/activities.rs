//! `CrmSource::fetch_activities`: chat-message and `talk_closed` events, then `common` notes of
//! leads, then of contacts, behind one cursor.
mod common;

use std::collections::HashSet;

use common::*;
use futures::TryStreamExt;
use serde_json::{Value, json};
use synkro_amocrm::AmoCrmClient;
use synkro_core::error::SourceError;
use synkro_core::model::{ActivityKind, ContactId, CrmActivity, DealId, ManagerId, Window};
use synkro_core::source::{ActivityQuery, CrmSource, CrmSourceExt, Cursor, Page};
use synkro_testkit::fake::amocrm_server::{FakeAmoCrmOptions, Fault, FaultKind};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn day() -> Window {
    Window::new(
        "2026-03-10T00:00:00Z".parse().unwrap(),
        "2026-03-11T00:00:00Z".parse().unwrap(),
    )
    .unwrap()
}

fn query(range: Window, page_size: Option<u32>) -> ActivityQuery {
    let mut q = ActivityQuery::in_range(range);
    q.page_size = page_size;
    q
}

/// Every page of the listing, one `fetch_activities` call per page.
async fn all_pages(c: &AmoCrmClient, q: &ActivityQuery) -> Vec<Page<CrmActivity>> {
    c.activity_pages(q.clone()).try_collect().await.unwrap()
}

fn sorted(mut v: Vec<CrmActivity>) -> Vec<CrmActivity> {
    v.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    v
}

#[tokio::test]
async fn every_activity_of_the_dataset_comes_back_once_across_events_and_notes() {
    let data = dataset(21);
    let fake = fake_paged(data.clone(), 7).await;
    let c = fake_client(&fake);
    assert!(c.capabilities().activities);
    let pages = all_pages(&c, &query(all_time(), Some(7))).await;
    let got: Vec<CrmActivity> = pages.iter().flat_map(|p| p.items.clone()).collect();
    let ids: HashSet<_> = got.iter().map(|a| a.id.clone()).collect();
    assert_eq!(ids.len(), got.len(), "no duplicates");
    assert_eq!(
        sorted(got),
        data.activities,
        "ids, kinds, times, authors (the robot too), deals, contacts and talks round-trip"
    );
    // One request per page, and the listing went through every phase.
    let reqs = fake.requests();
    assert_eq!(reqs.len(), pages.len());
    let events = reqs.iter().filter(|r| r.path == "/api/v4/events").count();
    let lead_notes = reqs
        .iter()
        .filter(|r| r.path == "/api/v4/leads/notes")
        .count();
    let contact_notes = reqs
        .iter()
        .filter(|r| r.path == "/api/v4/contacts/notes")
        .count();
    let chat_events = data
        .activities
        .iter()
        .filter(|a| a.kind != ActivityKind::Note)
        .count();
    assert!(events >= chat_events.div_ceil(7) && events > 1, "{events}");
    assert!(lead_notes >= 1 && contact_notes >= 1);
    // Events before lead notes before contact notes.
    let order: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
    let last_event = order.iter().rposition(|p| *p == "/api/v4/events").unwrap();
    let first_lead_note = order
        .iter()
        .position(|p| *p == "/api/v4/leads/notes")
        .unwrap();
    let last_lead_note = order
        .iter()
        .rposition(|p| *p == "/api/v4/leads/notes")
        .unwrap();
    let first_contact_note = order
        .iter()
        .position(|p| *p == "/api/v4/contacts/notes")
        .unwrap();
    assert!(last_event < first_lead_note && last_lead_note < first_contact_note);
    for r in reqs.iter().filter(|r| r.path == "/api/v4/events") {
        let types: HashSet<String> = r
            .query_pairs()
            .into_iter()
            .filter(|(k, _)| k == "filter[type][]")
            .map(|(_, v)| v)
            .collect();
        let want: HashSet<String> = [
            "incoming_chat_message",
            "outgoing_chat_message",
            "talk_closed",
        ]
        .map(str::to_owned)
        .into();
        assert_eq!(types, want, "queried by type, never by entity");
        assert!(r.param("filter[entity]").is_none());
        assert_eq!(r.param("limit").as_deref(), Some("7"));
    }
    for r in reqs.iter().filter(|r| r.path.ends_with("/notes")) {
        assert_eq!(r.param("filter[note_type][]").as_deref(), Some("common"));
    }
    assert_fake_read_only(&fake);
}

#[tokio::test]
async fn a_day_brings_only_that_days_activities_and_an_empty_range_ends_after_three_204s() {
    let data = dataset(22);
    let fake = fake(data.clone(), FakeAmoCrmOptions::default()).await;
    let c = fake_client(&fake);
    let range = Window::new(data.spec.end - chrono::Duration::days(1), data.spec.end).unwrap();
    let got: Vec<_> = all_pages(&c, &query(range, None))
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    let want: Vec<_> = data
        .activities
        .iter()
        .filter(|a| range.contains(a.at))
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(sorted(got), want);

    let before = fake.requests().len();
    let empty = Window::new(
        "2021-01-01T00:00:00Z".parse().unwrap(),
        "2021-01-02T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let pages = all_pages(&c, &query(empty, None)).await;
    assert_eq!(pages.len(), 3, "events, lead notes, contact notes");
    assert!(pages.iter().all(|p| p.items.is_empty()));
    let statuses: Vec<u16> = fake.requests()[before..].iter().map(|r| r.status).collect();
    assert_eq!(statuses, [204, 204, 204]);
}

#[tokio::test]
async fn a_cursor_resumes_where_it_stopped_even_in_a_new_client() {
    let data = dataset(23);
    let fake = fake_paged(data.clone(), 5).await;
    let q = query(all_time(), Some(5));
    let a = fake_client(&fake);
    let mut got = Vec::new();
    let mut cursor: Option<Cursor> = None;
    let mut phases_seen = Vec::new();
    loop {
        // A fresh client for every page: the cursor alone carries the position.
        let c = if got.len() % 2 == 0 {
            a.clone()
        } else {
            fake_client(&fake)
        };
        let page = c.fetch_activities(&q, cursor.as_ref()).await.unwrap();
        let path = fake.requests().last().unwrap().path.clone();
        if phases_seen.last() != Some(&path) {
            phases_seen.push(path);
        }
        got.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(
        phases_seen,
        [
            "/api/v4/events",
            "/api/v4/leads/notes",
            "/api/v4/contacts/notes"
        ]
    );
    assert_eq!(sorted(got), data.activities);
}

#[tokio::test]
async fn cursors_of_other_listings_are_refused() {
    let fake = fake_paged(dataset(24), 3).await;
    let c = fake_client(&fake);
    let q = query(all_time(), Some(3));
    // A stage-change cursor also points at /api/v4/events, with another type filter.
    let stage = c.fetch_stage_changes(&q, None).await.unwrap();
    let foreign = stage.next.expect("more stage changes");
    let err = c.fetch_activities(&q, Some(&foreign)).await.unwrap_err();
    assert!(matches!(err, SourceError::InvalidConfig { .. }), "{err:?}");
    // And an activities cursor is no stage-change cursor.
    let mine = c.fetch_activities(&q, None).await.unwrap().next.unwrap();
    let err = c.fetch_stage_changes(&q, Some(&mine)).await.unwrap_err();
    assert!(matches!(err, SourceError::InvalidConfig { .. }), "{err:?}");
    let garbage = Cursor::new("{\"p\":7,\"l\":\"activities\"}");
    let err = c.fetch_activities(&q, Some(&garbage)).await.unwrap_err();
    assert!(matches!(err, SourceError::InvalidConfig { .. }), "{err:?}");
    assert_fake_read_only(&fake);
}

#[tokio::test]
async fn a_429_on_events_and_notes_is_retried() {
    let data = dataset(25);
    let fake = fake(data.clone(), FakeAmoCrmOptions::default()).await;
    fake.set_faults(vec![
        Fault::on(
            "/api/v4/events",
            FaultKind::RateLimited {
                retry_after: Some(0),
                html: true,
            },
            2,
        ),
        Fault::on(
            "/api/v4/contacts/notes",
            FaultKind::RateLimited {
                retry_after: None,
                html: false,
            },
            1,
        ),
    ]);
    let c = fake_client(&fake);
    let got: Vec<_> = all_pages(&c, &query(all_time(), None))
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    assert_eq!(sorted(got), data.activities);
    assert_eq!(fake.rate_limited(), 3);
    assert!(c.stats().rate_limited >= 3, "{:?}", c.stats());
}

fn events_page(events: Value) -> ResponseTemplate {
    hal(json!({"_page": 1, "_embedded": {"events": events}}))
}

#[tokio::test]
async fn a_malformed_event_is_a_decode_error_naming_the_field() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/events"))
        .and(query_param("page", "1"))
        .respond_with(events_page(json!([
            {"id": "ok", "type": "incoming_chat_message", "entity_id": 1, "entity_type": "lead",
             "created_at": 1773101000},
            {"id": "e-bad", "type": "outgoing_chat_message", "entity_id": 1, "entity_type": "lead",
             "created_by": 1001, "created_at": "soon"}
        ])))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let err = client(&server.uri())
        .fetch_activities(&query(day(), None), None)
        .await
        .unwrap_err();
    match &err {
        SourceError::Decode {
            path, operation, ..
        } => {
            assert_eq!(path, "events[id=e-bad].created_at");
            assert!(operation.contains("/api/v4/events"), "{operation}");
        }
        other => panic!("{other:?}"),
    }

    let server = MockServer::start().await;
    Mock::given(path("/api/v4/events"))
        .respond_with(events_page(json!([
            {"id": {"not": "an id"}, "type": "talk_closed", "created_at": 1773101000}
        ])))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let err = client(&server.uri())
        .fetch_activities(&query(day(), None), None)
        .await
        .unwrap_err();
    match &err {
        SourceError::Decode { path, .. } => assert_eq!(path, "_embedded.events[0].id"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn events_then_notes_over_the_wire_with_204s_unknown_shapes_and_the_range() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/events"))
        .and(query_param("filter[created_at][from]", "1773100800"))
        .and(query_param("filter[created_at][to]", "1773187199"))
        .and(query_param("limit", "100"))
        .respond_with(events_page(json!([
            {"id": "01A", "type": "outgoing_chat_message", "entity_id": 300001,
             "entity_type": "lead", "created_by": "1002", "created_at": 1773101000,
             "value_after": [{"message": {"id": "m", "talk_id": 55, "origin": "whatsapp"}}]},
            {"id": "01B", "type": "talk_closed", "entity_id": 500001, "entity_type": "contact",
             "created_by": 0, "created_at": 1773102000,
             "value_after": {"something_new": {"talk_id": "55"}}},
            {"id": "01C", "type": "incoming_chat_message", "entity_id": 300001,
             "entity_type": "lead", "created_at": 1773103000, "value_after": 17},
            {"id": "01D", "type": "talk_created", "entity_id": 300001, "entity_type": "lead",
             "created_at": 1773103000}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/leads/notes"))
        .and(query_param("filter[note_type][]", "common"))
        .and(query_param("filter[updated_at][from]", "1773100800"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/contacts/notes"))
        .and(query_param("filter[note_type][]", "common"))
        .respond_with(hal(json!({"_embedded": {"notes": [
            {"id": 9, "entity_id": 500001, "note_type": "common", "created_by": 1001,
             "created_at": 1773104000, "updated_at": 1773104000, "params": {"text": "x"}},
            {"id": 10, "entity_id": 500001, "note_type": "common", "created_by": 1001,
             "created_at": 1773000000, "updated_at": 1773105000, "params": []}
        ]}})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server.uri());
    let q = query(day(), None);
    let events = c.fetch_activities(&q, None).await.unwrap();
    let kinds: Vec<_> = events.items.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            ActivityKind::OutgoingChatMessage,
            ActivityKind::ChatClosed,
            ActivityKind::IncomingChatMessage
        ],
        "talk_created is not an activity"
    );
    assert_eq!(events.items[0].by, Some(ManagerId::new("1002")));
    assert_eq!(events.items[0].deal, Some(DealId::new("300001")));
    assert_eq!(events.items[0].talk.as_deref(), Some("55"));
    assert_eq!(events.items[1].by, Some(ManagerId::new("0")));
    assert_eq!(events.items[1].contact, Some(ContactId::new("500001")));
    assert_eq!(events.items[1].talk.as_deref(), Some("55"));
    assert_eq!(
        (events.items[2].by.as_ref(), events.items[2].talk.as_ref()),
        (None, None)
    );
    let lead_notes = c.fetch_activities(&q, events.next.as_ref()).await.unwrap();
    assert!(
        lead_notes.items.is_empty(),
        "204 is an empty phase, not the end"
    );
    let contact_notes = c
        .fetch_activities(&q, lead_notes.next.as_ref())
        .await
        .unwrap();
    assert!(contact_notes.next.is_none());
    let ids: Vec<_> = contact_notes.items.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        ["note:9"],
        "a note edited in the range but created before it is dropped"
    );
    assert_eq!(
        contact_notes.items[0].contact,
        Some(ContactId::new("500001"))
    );
    assert_reads_only(&server).await;
}
