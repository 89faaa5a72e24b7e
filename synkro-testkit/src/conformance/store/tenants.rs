//! Tenants, runtime configs, integrations, users and memberships.

use serde_json::json;
use synkro_core::Secret;
use synkro_core::model::{
    IntegrationConfig, IntegrationKind, IntegrationStatus, Membership, Role, TenantRuntimeConfig,
    TenantStatus, UserId,
};
use synkro_core::store::{
    KeyRing, NewTenant, NewUser, PasswordHash, SealingKey, Store, reseal_integrations,
};

use super::fixtures::{GHOST, assert_conflict, assert_not_found, chain, t0, tenant};

/// Tenants get distinct ids, are listed by id, and a taken slug is a conflict.
pub async fn tenants_are_created_listed_and_slugs_unique(store: &dyn Store) {
    let a = tenant(store, "alpha").await;
    let b = tenant(store, "beta").await;
    assert_ne!(a.id, b.id);
    assert_eq!(a.slug, "alpha");
    assert_eq!(store.tenant(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.tenant(GHOST).await.unwrap(), None);
    let all = store.tenants().await.unwrap();
    assert_eq!(all, vec![a.clone(), b]);
    let dup = store
        .create_tenant(&NewTenant {
            name: "Other".into(),
            slug: "alpha".into(),
            status: TenantStatus::Paused,
            timezone: chrono_tz::UTC,
        })
        .await;
    assert_conflict(&dup);
    assert_eq!(store.tenants().await.unwrap().len(), 2);
}

/// A runtime config round-trips, is replaced on put, and an invalid one is rejected.
pub async fn runtime_config_round_trips_and_is_validated(store: &dyn Store) {
    let t = tenant(store, "cfg").await;
    assert_eq!(store.runtime_config(t.id).await.unwrap(), None);
    let mut cfg = TenantRuntimeConfig {
        mode: "radist_only".into(),
        timezone: chrono_tz::Asia::Yekaterinburg,
        metadata: json!({ "prompt": "Оцени диалоги" }),
        ..TenantRuntimeConfig::default()
    };
    store.put_runtime_config(t.id, &cfg).await.unwrap();
    assert_eq!(store.runtime_config(t.id).await.unwrap(), Some(cfg.clone()));
    cfg.radist_fetch_limit = 50;
    store.put_runtime_config(t.id, &cfg).await.unwrap();
    assert_eq!(
        store
            .runtime_config(t.id)
            .await
            .unwrap()
            .map(|c| c.radist_fetch_limit),
        Some(50)
    );
    let bad = TenantRuntimeConfig {
        radist_fetch_limit: 0,
        ..cfg.clone()
    };
    let err = store.put_runtime_config(t.id, &bad).await.unwrap_err();
    assert!(
        chain(&err).contains("radist_fetch_limit"),
        "{}",
        chain(&err)
    );
    assert_eq!(store.runtime_config(t.id).await.unwrap(), Some(cfg.clone()));
    assert_not_found(&store.put_runtime_config(GHOST, &cfg).await);
}

/// Integrations are one per (tenant, kind), keep their secret sealed, open with the key ring,
/// and are re-sealed under a new key on rotation.
pub async fn integrations_keep_sealed_secrets_and_reseal_on_rotation(store: &dyn Store) {
    let t = tenant(store, "integr").await;
    let mut ring = KeyRing::new("k1", SealingKey::generate()).unwrap();
    let amo = IntegrationConfig::sealed(
        t.id,
        IntegrationKind::Amocrm,
        json!({ "subdomain": "acme" }),
        &Secret::new("amo-token".into()),
        &ring,
    )
    .unwrap();
    let radist = IntegrationConfig::sealed(
        t.id,
        IntegrationKind::Custom("my_crm".into()),
        json!({ "company_id": 42 }),
        &Secret::new("radist-key".into()),
        &ring,
    )
    .unwrap();
    store.put_integration(&amo).await.unwrap();
    store.put_integration(&radist).await.unwrap();
    let mut checked = amo.clone();
    checked.status = IntegrationStatus::Error;
    checked.last_error = Some("401 from amocrm".into());
    checked.last_checked_at = Some(t0());
    store.put_integration(&checked).await.unwrap();
    let mut got = store.integrations(t.id).await.unwrap();
    got.sort_by(|a, b| a.kind.cmp(&b.kind));
    assert_eq!(got.len(), 2, "one integration per kind");
    let stored_amo = store
        .integration(t.id, &IntegrationKind::Amocrm)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored_amo, checked);
    assert_eq!(stored_amo.open_secret(&ring).unwrap().expose(), "amo-token");

    ring.rotate("k2", SealingKey::generate()).unwrap();
    assert_eq!(reseal_integrations(store, t.id, &ring).await.unwrap(), 2);
    assert_eq!(reseal_integrations(store, t.id, &ring).await.unwrap(), 0);
    assert!(ring.remove("k1"));
    for cfg in store.integrations(t.id).await.unwrap() {
        assert_eq!(cfg.secret.key_id, "k2");
        let opened = cfg.open_secret(&ring).unwrap();
        assert!(["amo-token", "radist-key"].contains(&opened.expose().as_str()));
    }
    // A secret that fails to open is an error naming the tenant and integration.
    let stale = IntegrationConfig {
        secret: amo.secret.clone(),
        ..stored_amo
    };
    let err = stale.open_secret(&ring).unwrap_err().to_string();
    assert!(
        err.contains("amocrm") && err.contains(&format!("tenant {}", t.id)),
        "{err}"
    );
    let unknown = IntegrationConfig {
        tenant: GHOST,
        ..amo
    };
    assert_not_found(&store.put_integration(&unknown).await);
}

/// Users have unique logins; memberships are per tenant or global and replaced per (user,
/// tenant); password hashes are stored as given.
pub async fn users_memberships_and_password_hashes(store: &dyn Store) {
    let t = tenant(store, "people").await;
    let u = store
        .create_user(&NewUser {
            login: "anna".into(),
            phone: Some("+79000000001".into()),
            timezone: Some(chrono_tz::Europe::Moscow),
        })
        .await
        .unwrap();
    let dup = store
        .create_user(&NewUser {
            login: "anna".into(),
            phone: None,
            timezone: None,
        })
        .await;
    assert_conflict(&dup);
    assert_eq!(store.user(u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(store.user_by_login("anna").await.unwrap(), Some(u.clone()));
    assert_eq!(store.user_by_login("nobody").await.unwrap(), None);

    let global = Membership {
        user: u.id,
        tenant: None,
        role: Role::SuperAdmin,
        active: true,
    };
    let local = Membership {
        user: u.id,
        tenant: Some(t.id),
        role: Role::User,
        active: true,
    };
    store.put_membership(&global).await.unwrap();
    store.put_membership(&local).await.unwrap();
    let local2 = Membership {
        role: Role::AdminLite,
        active: false,
        ..local.clone()
    };
    store.put_membership(&local2).await.unwrap();
    let mut ms = store.memberships(u.id).await.unwrap();
    ms.sort_by_key(|m| m.tenant);
    assert_eq!(ms, vec![global.clone(), local2]);
    let bad = Membership {
        tenant: Some(GHOST),
        ..global.clone()
    };
    assert_not_found(&store.put_membership(&bad).await);

    assert_eq!(store.password_hash(u.id).await.unwrap(), None);
    let h = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
    store.set_password_hash(u.id, &h).await.unwrap();
    assert_eq!(store.password_hash(u.id).await.unwrap(), Some(h.clone()));
    assert_not_found(&store.set_password_hash(UserId(987_654), &h).await);
}
