//! Setting up a tenant in a store for tests and demos.

use synkro_core::error::StoreError;
use synkro_core::model::{Tenant, TenantRuntimeConfig, TenantStatus};
use synkro_core::store::{NewTenant, Store};

/// Creates an active tenant with `cfg` as its runtime config.
///
/// # Errors
/// [`StoreError`] from the store (a `Conflict` when the slug is taken).
pub async fn create_tenant(
    store: &dyn Store,
    slug: &str,
    cfg: &TenantRuntimeConfig,
) -> Result<Tenant, StoreError> {
    let tenant = store
        .create_tenant(&NewTenant {
            name: format!("Demo company «{slug}»"),
            slug: slug.to_owned(),
            status: TenantStatus::Active,
            timezone: cfg.timezone,
        })
        .await?;
    store.put_runtime_config(tenant.id, cfg).await?;
    Ok(tenant)
}
