//! The tenants' persisted phone books.

use synkro_core::store::{PhoneSpelling, Store};

use super::fixtures::{GHOST, tenant};

fn spelling(raw: &str, e164: Option<&str>) -> PhoneSpelling {
    PhoneSpelling {
        spelling: raw.to_owned(),
        e164: e164.map(str::to_owned),
    }
}

async fn sorted(
    store: &dyn Store,
    t: synkro_core::model::TenantId,
    region: &str,
) -> Vec<PhoneSpelling> {
    let mut v = store.phone_spellings(t, region).await.unwrap();
    v.sort_by(|a, b| a.spelling.cmp(&b.spelling));
    v
}

/// Phone spellings are stored per (tenant, region, spelling), byte for byte, with `None` for an
/// invalid one; saving only inserts (a stored spelling keeps its form, a repeat counts once);
/// another tenant or region sees none of them; an unknown tenant is rejected with nothing written;
/// a book larger than one statement round-trips whole.
pub async fn phone_books_are_per_tenant_and_region_and_only_insert(store: &dyn Store) {
    let a = tenant(store, "phones-a").await;
    let b = tenant(store, "phones-b").await;
    assert_eq!(store.phone_spellings(a.id, "RU").await.unwrap(), vec![]);

    let first = vec![
        spelling("8 (916) 123-45-67", Some("+79161234567")),
        spelling("12-34", None),
        spelling("  +7 916 123 45 67\t", Some("+79161234567")),
        spelling("тел. 8 916 1234567", Some("+79161234567")),
        spelling("12-34", None),
    ];
    assert_eq!(
        store
            .save_phone_spellings(a.id, "RU", &first)
            .await
            .unwrap(),
        4
    );
    let stored = sorted(store, a.id, "RU").await;
    assert_eq!(
        stored,
        vec![
            spelling("  +7 916 123 45 67\t", Some("+79161234567")),
            spelling("12-34", None),
            spelling("8 (916) 123-45-67", Some("+79161234567")),
            spelling("тел. 8 916 1234567", Some("+79161234567")),
        ]
    );

    // Insert, ignore existing: a stored spelling keeps its form.
    let again = vec![
        spelling("12-34", Some("+71234")),
        spelling("9161234567", Some("+79161234567")),
    ];
    assert_eq!(
        store
            .save_phone_spellings(a.id, "RU", &again)
            .await
            .unwrap(),
        1
    );
    let stored = sorted(store, a.id, "RU").await;
    assert_eq!(stored.len(), 5);
    assert!(stored.contains(&spelling("12-34", None)));
    assert!(stored.contains(&spelling("9161234567", Some("+79161234567"))));
    assert_eq!(
        store.save_phone_spellings(a.id, "RU", &[]).await.unwrap(),
        0
    );

    // Other regions and other tenants are separate books.
    assert_eq!(store.phone_spellings(a.id, "BY").await.unwrap(), vec![]);
    assert_eq!(store.phone_spellings(b.id, "RU").await.unwrap(), vec![]);
    let by = vec![
        spelling("12-34", None),
        spelling("029 123-45-67", Some("+375291234567")),
    ];
    assert_eq!(
        store.save_phone_spellings(a.id, "BY", &by).await.unwrap(),
        2
    );
    assert_eq!(
        store
            .save_phone_spellings(b.id, "RU", &[spelling("8 (916) 123-45-67", None)])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        sorted(store, b.id, "RU").await,
        vec![spelling("8 (916) 123-45-67", None)]
    );
    assert_eq!(sorted(store, a.id, "RU").await, stored);
    assert_eq!(sorted(store, a.id, "BY").await.len(), 2);

    // An unknown tenant: rejected, nothing written.
    assert!(
        store
            .save_phone_spellings(GHOST, "RU", &first)
            .await
            .is_err()
    );
    assert_eq!(store.phone_spellings(GHOST, "RU").await.unwrap(), vec![]);

    // More spellings than one statement carries.
    let many: Vec<PhoneSpelling> = (0..2_500)
        .map(|i| spelling(&format!("8 900 {i:07}"), Some(&format!("+7900{i:07}"))))
        .collect();
    assert_eq!(
        store.save_phone_spellings(b.id, "KZ", &many).await.unwrap(),
        2_500
    );
    let mut expected = many.clone();
    expected.sort_by(|x, y| x.spelling.cmp(&y.spelling));
    assert_eq!(sorted(store, b.id, "KZ").await, expected);
    assert_eq!(
        store.save_phone_spellings(b.id, "KZ", &many).await.unwrap(),
        0
    );
}
