//! Applying synced batches: idempotent, newer wins, child sets replaced with their parent.

use chrono::Duration;
use serde_json::json;
use synkro_core::model::Manager;
use synkro_core::store::Store;

use super::fixtures::{all_time, apply, batch, by_id, deal, small_batch, snapshot, t0, tenant};
use crate::{Dataset, DatasetSpec};

/// Applying the same batch three times leaves identical tables, and the repeats change nothing.
pub async fn applying_the_same_batch_three_times_leaves_identical_tables(store: &dyn Store) {
    let t = tenant(store, "idem").await;
    let mut batch = small_batch();
    // A message whose source time had no offset keeps saying so (metrics.md C1).
    batch.messages[0].naive_time = true;
    let first = apply(store, t.id, "amocrm", &batch).await;
    assert_eq!(first.inserted, batch.len() as u64, "{first:?}");
    let after_first = snapshot(store, t.id).await;
    for _ in 0..2 {
        let again = apply(store, t.id, "amocrm", &batch).await;
        assert_eq!(again.inserted + again.updated, 0, "{again:?}");
        assert_eq!(again.unchanged, batch.len() as u64);
        assert_eq!(snapshot(store, t.id).await, after_first);
    }
    // What went in comes back out, field for field.
    assert_eq!(after_first["deals"], json!(by_id(batch.deals.clone())));
    let mut messages = batch.messages.clone();
    messages.sort_by(|a, b| (&a.chat, &a.id).cmp(&(&b.chat, &b.id)));
    assert_eq!(after_first["messages"], json!(messages));
    // The same ids from another source are other rows.
    let other = apply(store, t.id, "kommo", &batch).await;
    assert_eq!(other.inserted, batch.len() as u64);
}

/// A record whose source update time is older than the stored one changes nothing; a newer one
/// (or an equal time with different content) replaces it.
pub async fn an_older_update_arriving_late_changes_nothing(store: &dyn Store) {
    let t = tenant(store, "late").await;
    let deals = |d| batch(|b| b.deals = vec![d]);
    let new = deal("d1", t0(), "Newest name");
    let r = apply(store, t.id, "amocrm", &deals(new.clone())).await;
    assert_eq!(r.inserted, 1);
    let old = deal("d1", t0() - Duration::hours(1), "Old name");
    let r = apply(store, t.id, "amocrm", &deals(old)).await;
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 1));
    assert_eq!(store.deals(t.id).await.unwrap(), vec![new.clone()]);

    let same_time = deal("d1", t0(), "Renamed at the same second");
    let r = apply(store, t.id, "amocrm", &deals(same_time.clone())).await;
    assert_eq!(r.updated, 1);
    let newer = deal("d1", t0() + Duration::minutes(5), "Newer");
    let r = apply(store, t.id, "amocrm", &deals(newer.clone())).await;
    assert_eq!(r.updated, 1);
    assert_eq!(store.deals(t.id).await.unwrap(), vec![newer]);

    // Messages: a late copy without the read receipt does not erase it.
    let data = Dataset::generate(&DatasetSpec::small(3, t0()));
    let mut msg = data
        .messages
        .iter()
        .find(|m| m.read_at.is_some())
        .cloned()
        .expect("the generator marks some messages read");
    apply(
        store,
        t.id,
        "radist",
        &batch(|b| b.messages = vec![msg.clone()]),
    )
    .await;
    let read = msg.clone();
    msg.read_at = None;
    msg.delivered_at = None;
    msg.error_at = None;
    let r = apply(store, t.id, "radist", &batch(|b| b.messages = vec![msg])).await;
    assert_eq!(r.unchanged, 1);
    assert_eq!(
        store.messages_in(t.id, &all_time()).await.unwrap(),
        vec![read]
    );
    // Managers without a source update time are replaced whenever they differ.
    let m = Manager {
        id: "m1".into(),
        name: "Ivan".into(),
        email: None,
        team: None,
        active: true,
        updated_at: None,
    };
    let m2 = Manager {
        active: false,
        ..m.clone()
    };
    apply(store, t.id, "amocrm", &batch(|b| b.managers = vec![m])).await;
    let r = apply(
        store,
        t.id,
        "amocrm",
        &batch(|b| b.managers = vec![m2.clone()]),
    )
    .await;
    assert_eq!(r.updated, 1);
    assert_eq!(store.managers(t.id).await.unwrap(), vec![m2]);
}

/// A newer parent replaces its child set: a contact's phones, a pipeline's stages.
pub async fn child_sets_are_replaced_with_their_parent(store: &dyn Store) {
    let t = tenant(store, "children").await;
    let data = Dataset::generate(&DatasetSpec::small(5, t0()));
    let mut contact = data.contacts[0].clone();
    contact.phones = vec!["+7 900 000-00-11".into(), "8 900 000 00 12".into()];
    let mut pipe = data.sales_pipelines[0].clone();
    let both = |contact, pipe| {
        batch(|b| {
            b.contacts = vec![contact];
            b.sales_pipelines = vec![pipe];
        })
    };
    apply(store, t.id, "amocrm", &both(contact.clone(), pipe.clone())).await;
    contact.phones = vec!["+7 900 000-00-13".into()];
    contact.updated_at += Duration::minutes(1);
    pipe.stages.truncate(1);
    pipe.name = "Renamed funnel".into();
    let r = apply(store, t.id, "amocrm", &both(contact.clone(), pipe.clone())).await;
    assert_eq!(r.updated, 2);
    assert_eq!(
        store
            .contacts_by_ids(t.id, std::slice::from_ref(&contact.id))
            .await
            .unwrap(),
        vec![contact]
    );
    assert_eq!(store.sales_pipelines(t.id).await.unwrap(), vec![pipe]);
}
