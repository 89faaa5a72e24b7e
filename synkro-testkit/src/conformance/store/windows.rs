//! Reading back: window queries, reads by id, and the catalogs.

use synkro_core::model::{ContactId, DealId};
use synkro_core::store::Store;

use super::fixtures::{apply, by_id, day, inside, t0, tenant};
use crate::{Dataset, DatasetSpec};

/// Window queries return exactly the records inside `[start, end)`, in the documented order.
pub async fn window_queries_return_what_falls_inside(store: &dyn Store) {
    let t = tenant(store, "window").await;
    let data = Dataset::generate(&DatasetSpec::small(11, t0()));
    apply(store, t.id, "amocrm", &data.to_batch()).await;
    let w = day();
    assert_eq!(
        store.deals_updated(t.id, &w).await.unwrap(),
        inside(&data.deals, &w, |d| d.updated_at, |a, b| a.id.cmp(&b.id))
    );
    let want = inside(
        &data.messages,
        &w,
        |m| m.created_at,
        |a, b| (&a.chat, a.created_at, &a.id).cmp(&(&b.chat, b.created_at, &b.id)),
    );
    assert!(!want.is_empty());
    assert_eq!(store.messages_in(t.id, &w).await.unwrap(), want);
    assert_eq!(
        store.calls_in(t.id, &w).await.unwrap(),
        inside(
            &data.calls,
            &w,
            |c| c.started_at,
            |a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id))
        )
    );
    assert_eq!(
        store.stage_changes_in(t.id, &w).await.unwrap(),
        inside(
            &data.stage_changes,
            &w,
            |c| c.at,
            |a, b| (a.at, &a.id).cmp(&(b.at, &b.id))
        )
    );

    let ids: Vec<DealId> = data.deals.iter().take(3).map(|d| d.id.clone()).collect();
    let got = store
        .deals_by_ids(t.id, &[ids, vec![DealId::new("missing")]].concat())
        .await
        .unwrap();
    assert_eq!(
        by_id(got),
        by_id(data.deals.iter().take(3).cloned().collect())
    );
    assert!(store.deals_by_ids(t.id, &[]).await.unwrap().is_empty());
    let cids: Vec<ContactId> = data.contacts.iter().take(4).map(|c| c.id.clone()).collect();
    let got = store.contacts_by_ids(t.id, &cids).await.unwrap();
    assert_eq!(
        by_id(got),
        by_id(data.contacts.iter().take(4).cloned().collect())
    );
    let chats = store.chats(t.id).await.unwrap();
    assert_eq!(by_id(chats), by_id(data.chats.clone()));
    let pipes = store.sales_pipelines(t.id).await.unwrap();
    assert_eq!(by_id(pipes), by_id(data.sales_pipelines.clone()));
    assert_eq!(
        store.managers(t.id).await.unwrap().len(),
        data.managers.len()
    );
}
