//! Deals deleted in the CRM: marked, idempotent, newer wins, restored, tenant and source scoped.

use chrono::Duration;
use synkro_core::model::{DealId, DeletedDeal, TenantId, Window};
use synkro_core::store::Store;

use super::fixtures::{all_time, apply, batch, by_id, deal, t0, tenant};

/// `deleted_at` of the deals of `tenant`, by id.
async fn marks(store: &dyn Store, tenant: TenantId) -> Vec<(String, Option<String>)> {
    by_id(store.deals(tenant).await.unwrap())
        .into_iter()
        .map(|d| (d.id.to_string(), d.deleted_at.map(|t| t.to_rfc3339())))
        .collect()
}

/// `deleted_at` of deal `id` of `tenant`.
async fn deleted_at(
    store: &dyn Store,
    tenant: TenantId,
    id: &str,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let found = store
        .deals_by_ids(tenant, &[DealId::new(id)])
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "deal {id} is stored");
    found[0].deleted_at
}

/// A deletion (`SyncBatch::deleted_deals`) marks the stored deal of (tenant, source, id): its
/// `deleted_at` and update time become the deletion's instant and the rest of the deal stays;
/// applying it again changes nothing; a deal updated after the deletion, or not stored at all, is
/// left as it is (nothing is created); an older copy of the live deal arriving late does not
/// undelete it, nor does one of the deletion's own update time, and a newer one (the CRM lists
/// the deal again: restored) does. A deal deleted twice in one batch counts each deletion that
/// marks it. Deals carrying
/// `deleted_at` in `SyncBatch::deals` round-trip. Another source's or tenant's deal of the same id
/// is never marked, and every read returns deleted deals with their mark.
pub async fn deleted_deals_mark_stored_deals_and_restores_clear_them(store: &dyn Store) {
    let a = tenant(store, "deleted-a").await;
    let b = tenant(store, "deleted-b").await;
    let h = Duration::hours;
    let live = vec![
        deal("d1", t0() - h(5), "One"),
        deal("d2", t0() - h(5), "Two"),
        deal("d3", t0() - h(1), "Three"),
    ];
    let deals = |d| batch(|b| b.deals = d);
    let deletions = |d| batch(|b| b.deleted_deals = d);
    for t in [a.id, b.id] {
        assert_eq!(
            apply(store, t, "amocrm", &deals(live.clone()))
                .await
                .inserted,
            3
        );
    }

    let at = t0() - h(2);
    let del = deletions(vec![
        DeletedDeal::new("d1", at),
        // d3 was updated an hour after this deletion: newer wins, it stays live.
        DeletedDeal::new("d3", at),
        // Never stored: nothing is created.
        DeletedDeal::new("d404", at),
    ]);
    let r = apply(store, a.id, "amocrm", &del).await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 2), "{r:?}");
    let rfc = |t: chrono::DateTime<chrono::Utc>| Some(t.to_rfc3339());
    let want = vec![
        ("d1".to_owned(), rfc(at)),
        ("d2".to_owned(), None),
        ("d3".to_owned(), None),
    ];
    assert_eq!(marks(store, a.id).await, want);
    let marked = store
        .deals_by_ids(a.id, &[DealId::new("d1")])
        .await
        .unwrap();
    let mut expected = live[0].clone();
    expected.deleted_at = Some(at);
    expected.updated_at = at;
    assert_eq!(marked, vec![expected.clone()], "the rest of the deal stays");
    // The deletion is the deal's update time: reads by update window find it there.
    let updated = store
        .deals_updated(a.id, &Window::new(at, at + h(1)).unwrap())
        .await
        .unwrap();
    assert_eq!(updated, vec![expected.clone()]);

    // Again: nothing changes.
    let r = apply(store, a.id, "amocrm", &del).await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 3), "{r:?}");
    assert_eq!(marks(store, a.id).await, want);

    // Other tenants and sources are untouched.
    let none = vec![
        ("d1".to_owned(), None),
        ("d2".to_owned(), None),
        ("d3".to_owned(), None),
    ];
    assert_eq!(marks(store, b.id).await, none, "tenant B's d1 is live");
    // Another source's deal of the same id is not marked, and no deal of the deletion's source
    // is created.
    let c = tenant(store, "deleted-c").await;
    apply(store, c.id, "kommo", &deals(vec![live[0].clone()])).await;
    let r = apply(
        store,
        c.id,
        "amocrm",
        &deletions(vec![DeletedDeal::new("d1", at)]),
    )
    .await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 1), "{r:?}");
    assert_eq!(store.deals(c.id).await.unwrap(), vec![live[0].clone()]);
    // A deletion under another tenant leaves tenant A's marks as they are.
    let r = apply(
        store,
        b.id,
        "amocrm",
        &deletions(vec![DeletedDeal::new("d2", t0())]),
    )
    .await;
    assert_eq!(r.updated, 1);
    assert_eq!(marks(store, a.id).await, want);
    assert_eq!(
        marks(store, b.id).await[1],
        ("d2".to_owned(), rfc(t0())),
        "tenant B's d2 is marked"
    );

    // A late copy of the live d1 (its old update time) does not undelete it.
    let r = apply(store, a.id, "amocrm", &deals(vec![live[0].clone()])).await;
    assert_eq!((r.updated, r.unchanged), (0, 1), "{r:?}");
    assert_eq!(marks(store, a.id).await, want);
    // The CRM lists d1 again with a newer update time: restored.
    let restored = deal("d1", at + h(1), "One, restored");
    let r = apply(store, a.id, "amocrm", &deals(vec![restored.clone()])).await;
    assert_eq!(r.updated, 1);
    assert_eq!(
        store
            .deals_by_ids(a.id, &[DealId::new("d1")])
            .await
            .unwrap(),
        vec![restored.clone()]
    );
    // An older deletion arriving late leaves the restored deal live.
    let r = apply(store, a.id, "amocrm", &del).await;
    assert_eq!((r.updated, r.unchanged), (0, 3), "{r:?}");
    assert!(marks(store, a.id).await.iter().all(|(_, m)| m.is_none()));

    // A deal written with its mark (e.g. a pre-loaded data set) reads back with it, and a
    // deletion and the deal in one batch apply in that order.
    let mut gone = deal("d5", t0() - h(3), "Five");
    gone.deleted_at = Some(t0() - h(3));
    let both = batch(|b| {
        b.deals = vec![gone.clone(), deal("d6", t0() - h(3), "Six")];
        b.deleted_deals = vec![DeletedDeal::new("d6", t0() - h(2))];
    });
    let r = apply(store, a.id, "amocrm", &both).await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (2, 1, 0), "{r:?}");
    let got = store
        .deals_by_ids(a.id, &[DealId::new("d5"), DealId::new("d6")])
        .await
        .unwrap();
    let got: Vec<_> = by_id(got)
        .into_iter()
        .map(|d| (d.id.to_string(), d.deleted_at, d.updated_at))
        .collect();
    assert_eq!(
        got,
        [
            ("d5".to_owned(), Some(t0() - h(3)), t0() - h(3)),
            ("d6".to_owned(), Some(t0() - h(2)), t0() - h(2)),
        ]
    );
    assert_eq!(
        store.deals(a.id).await.unwrap().len(),
        5,
        "d404 was never created"
    );
    let every = store.deals_updated(a.id, &all_time()).await.unwrap();
    assert_eq!(every.iter().filter(|d| d.is_deleted()).count(), 2);

    // A live copy with the deletion's own update time is from before it: the mark stays.
    let same_time = deal("d6", t0() - h(2), "Six, as listed before the deletion");
    let r = apply(store, a.id, "amocrm", &deals(vec![same_time])).await;
    assert_eq!((r.updated, r.unchanged), (0, 1), "{r:?}");
    assert_eq!(deleted_at(store, a.id, "d6").await, Some(t0() - h(2)));
    // One batch holding a deal marked deleted and a live copy of the same update time, in that
    // order: the mark stays, as it does across batches.
    let mut marked = deal("d7", t0() - h(2), "Seven");
    marked.deleted_at = Some(t0() - h(2));
    let live_copy = deal("d7", t0() - h(2), "Seven, as listed before the deletion");
    let r = apply(
        store,
        a.id,
        "amocrm",
        &deals(vec![marked.clone(), live_copy]),
    )
    .await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (1, 0, 1), "{r:?}");
    assert_eq!(
        store
            .deals_by_ids(a.id, &[DealId::new("d7")])
            .await
            .unwrap(),
        vec![marked]
    );
    // One batch deleting a deal twice, the second time later: each deletion that marks the deal
    // counts, and the deal ends with the later mark.
    let twice = deletions(vec![
        DeletedDeal::new("d2", t0() - h(1)),
        DeletedDeal::new("d2", t0()),
        DeletedDeal::new("d2", t0()),
    ]);
    let r = apply(store, a.id, "amocrm", &twice).await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 2, 1), "{r:?}");
    assert_eq!(deleted_at(store, a.id, "d2").await, Some(t0()));
}
