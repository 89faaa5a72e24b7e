//! CRM activities: stored idempotently, read by deal, contact and window.

use chrono::Duration;
use synkro_core::model::{
    ActivityKind, ContactId, CrmActivity, DealId, ManagerId, TenantId, Window,
};
use synkro_core::store::Store;

use super::fixtures::{
    GHOST, activity, activity_ids, all_time, apply, assert_not_found, batch, day, tenant,
};

/// CRM activities are upserted by (tenant, source, id): applying them again changes nothing, an
/// older copy never replaces a stored one, the same ids under another source or tenant are other
/// rows. They are read back, field for field and oldest first, by deal or contact (either
/// matches, each row once) within a half-open window; empty id sets read nothing.
pub async fn crm_activities_are_stored_idempotently_and_read_by_deal_contact_and_window(
    store: &dyn Store,
) {
    use ActivityKind::{ChatClosed, IncomingChatMessage, Note, OutgoingChatMessage};

    let a = tenant(store, "activities-a").await;
    let b = tenant(store, "activities-b").await;
    let w = day();
    let h = Duration::hours;
    let acts = vec![
        activity(
            "e1",
            IncomingChatMessage,
            w.start + h(1),
            Some("d1"),
            Some("c1"),
        ),
        activity("e2", OutgoingChatMessage, w.start + h(2), Some("d1"), None),
        activity(
            "note:5",
            Note,
            w.start + Duration::minutes(30),
            None,
            Some("c2"),
        ),
        activity("e3", ChatClosed, w.start + h(3), Some("d2"), None),
        activity("e4", Note, w.start - Duration::minutes(1), Some("d1"), None),
        // The window is half-open: its end is outside.
        activity("e5", IncomingChatMessage, w.end, Some("d1"), None),
    ];
    let activities = |acts: Vec<CrmActivity>| batch(|b| b.activities = acts);
    let all = activities(acts.clone());
    let first = apply(store, a.id, "amocrm", &all).await;
    assert_eq!((first.inserted, first.updated), (6, 0), "{first:?}");
    for _ in 0..2 {
        let again = apply(store, a.id, "amocrm", &all).await;
        assert_eq!(
            (again.inserted, again.updated, again.unchanged),
            (0, 0, 6),
            "{again:?}"
        );
    }

    let d = |ids: &[&str]| ids.iter().map(|i| DealId::new(*i)).collect::<Vec<_>>();
    let c = |ids: &[&str]| ids.iter().map(|i| ContactId::new(*i)).collect::<Vec<_>>();
    let read = async |tenant: TenantId, w: &Window, deals: &[&str], contacts: &[&str]| {
        store
            .activities_in(tenant, w, &d(deals), &c(contacts))
            .await
            .unwrap()
    };
    let by_deal = read(a.id, &w, &["d1"], &[]).await;
    assert_eq!(
        by_deal,
        vec![acts[0].clone(), acts[1].clone()],
        "field for field"
    );
    let by_contact = read(a.id, &w, &[], &["c2"]).await;
    assert_eq!(activity_ids(&by_contact), ["note:5"]);
    // e1 names both d1 and c1: it comes once.
    let both = read(a.id, &w, &["d1", "d2"], &["c1", "c2"]).await;
    assert_eq!(activity_ids(&both), ["note:5", "e1", "e2", "e3"]);
    let ever = read(a.id, &all_time(), &["d1"], &[]).await;
    assert_eq!(activity_ids(&ever), ["e4", "e1", "e2", "e5"]);
    assert!(
        read(a.id, &all_time(), &[], &[]).await.is_empty(),
        "no ids, no activities"
    );
    assert!(
        read(a.id, &all_time(), &["d404"], &["c404"])
            .await
            .is_empty()
    );

    // An older copy changes nothing; the same time with other content (re-linked to a contact)
    // replaces the stored row.
    let mut late = acts[1].clone();
    late.at -= h(1);
    late.contact = Some(ContactId::new("c9"));
    let r = apply(store, a.id, "amocrm", &activities(vec![late])).await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 1), "{r:?}");
    let mut relinked = acts[1].clone();
    relinked.contact = Some(ContactId::new("c9"));
    let r = apply(store, a.id, "amocrm", &activities(vec![relinked.clone()])).await;
    assert_eq!((r.inserted, r.updated), (0, 1), "{r:?}");
    assert_eq!(read(a.id, &w, &[], &["c9"]).await, vec![relinked.clone()]);

    // The same id from another source is another row, read after the first at the same instant.
    let r = apply(store, a.id, "kommo", &activities(vec![acts[0].clone()])).await;
    assert_eq!(r.inserted, 1);
    assert_eq!(
        activity_ids(&read(a.id, &w, &["d1"], &[]).await),
        ["e1", "e1", "e2"]
    );

    // Tenants: B sees none of A's rows, and B's rows under the same ids leave A's untouched.
    let (deals, contacts) = (&["d1", "d2"][..], &["c1", "c2", "c9"][..]);
    let before = read(a.id, &all_time(), deals, contacts).await;
    assert_eq!(before.len(), 7);
    assert!(
        read(b.id, &all_time(), deals, contacts).await.is_empty(),
        "activities leaked to another tenant"
    );
    let theirs: Vec<CrmActivity> = acts
        .iter()
        .cloned()
        .map(|mut x| {
            x.by = Some(ManagerId::new("b-manager"));
            x
        })
        .collect();
    let r = apply(store, b.id, "amocrm", &activities(theirs.clone())).await;
    assert_eq!(r.inserted, 6, "B's own rows: {r:?}");
    assert_eq!(read(a.id, &all_time(), deals, contacts).await, before);
    let b_rows = read(b.id, &w, &["d1"], &[]).await;
    assert_eq!(b_rows, vec![theirs[0].clone(), theirs[1].clone()]);
    // Unknown tenants are refused.
    assert_not_found(&store.apply(GHOST, "amocrm", &all).await);
}
