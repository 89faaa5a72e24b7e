//! Sync cursors and the last sync instant.

use chrono::{DateTime, Duration, Utc};
use synkro_core::store::{CursorAdvance, CursorKey, Store, SyncBatch};

use super::fixtures::{GHOST, batch, deal, t0, tenant};

/// Cursors are per (tenant, source, stream, scope), only move forward, and commit atomically with
/// their batch.
pub async fn sync_cursors_only_move_forward_and_commit_with_the_batch(store: &dyn Store) {
    let t = tenant(store, "cursor").await;
    let key = CursorKey::new(t.id, "amocrm", "deals");
    assert_eq!(store.cursor(&key).await.unwrap(), None);
    let adv = |at: DateTime<Utc>, pos: Option<&str>| CursorAdvance {
        stream: "deals".into(),
        scope: String::new(),
        at,
        position: pos.map(str::to_owned),
    };
    let advance = async |batch: &SyncBatch, cursors: &[CursorAdvance]| {
        store
            .apply_with_cursors(t.id, "amocrm", batch, cursors)
            .await
            .unwrap()
    };
    let deals = batch(|b| b.deals = vec![deal("d1", t0(), "A")]);
    advance(&deals, &[adv(t0(), Some("page-2"))]).await;
    let c = store.cursor(&key).await.unwrap().expect("advanced");
    assert_eq!(c.cursor_at, t0());
    assert_eq!(c.position.as_deref(), Some("page-2"));
    assert_eq!(store.deals(t.id).await.unwrap().len(), 1);
    // Backwards: nothing moves.
    let nothing = SyncBatch::default();
    advance(&nothing, &[adv(t0() - Duration::hours(1), Some("page-1"))]).await;
    let c = store.cursor(&key).await.unwrap().expect("kept");
    assert_eq!((c.cursor_at, c.position.as_deref()), (t0(), Some("page-2")));
    // Forward moves; other streams, scopes and sources are separate.
    let chat = CursorAdvance {
        scope: "chat-9".into(),
        stream: "messages".into(),
        ..adv(t0() - Duration::days(2), None)
    };
    advance(&nothing, &[adv(t0() + Duration::hours(1), None), chat]).await;
    let at = async |key: &CursorKey| store.cursor(key).await.unwrap().map(|c| c.cursor_at);
    assert_eq!(at(&key).await, Some(t0() + Duration::hours(1)));
    let scoped = CursorKey::new(t.id, "amocrm", "messages").scope("chat-9");
    assert_eq!(at(&scoped).await, Some(t0() - Duration::days(2)));
    assert_eq!(at(&CursorKey::new(t.id, "radist", "deals")).await, None);
    // A failing batch (unknown tenant) advances nothing.
    assert!(
        store
            .apply_with_cursors(GHOST, "amocrm", &deals, &[adv(t0(), None)])
            .await
            .is_err()
    );
    assert_eq!(at(&CursorKey::new(GHOST, "amocrm", "deals")).await, None);
}

/// `record_sync` keeps the latest instant; `last_sync` is per tenant and source.
pub async fn last_sync_never_moves_backwards(store: &dyn Store) {
    let t = tenant(store, "lastsync").await;
    let last = async |source: &str| store.last_sync(t.id, source).await.unwrap();
    assert_eq!(last("radist").await, None);
    store.record_sync(t.id, "radist", t0()).await.unwrap();
    store
        .record_sync(t.id, "radist", t0() - Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(last("radist").await, Some(t0()));
    store
        .record_sync(t.id, "radist", t0() + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(last("radist").await, Some(t0() + Duration::hours(2)));
    assert_eq!(last("amocrm").await, None);
}
