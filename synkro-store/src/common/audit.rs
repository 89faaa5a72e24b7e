//! [`AuditStore`]: the per-tenant audit log.

use async_trait::async_trait;
use synkro_core::error::StoreError;
use synkro_core::model::{AuditEntry, TenantId, UserId};
use synkro_core::store::AuditStore;

use super::reads::newest;
use super::{DbRow, ThisStore, db, exec, get, js, req_ts, tenant_exists, ts, un_js};

const AUDIT: (&str, &str) = (
    "audit_log",
    "tenant_id, actor, action, message, metadata, ip_address, at",
);

fn audit_row(r: &DbRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        tenant: TenantId(get(r, "tenant_id")?),
        actor: get::<Option<i64>>(r, "actor")?.map(UserId),
        action: get(r, "action")?,
        message: get(r, "message")?,
        metadata: un_js(r, "metadata")?,
        ip_address: get(r, "ip_address")?,
        at: req_ts(r, "at")?,
    })
}

#[async_trait]
impl AuditStore for ThisStore {
    async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, e.tenant).await?;
        let q = sqlx::query(
            "INSERT INTO audit_log (tenant_id, actor, action, message, metadata, ip_address, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(e.tenant.0)
        .bind(e.actor.map(|u| u.0))
        .bind(&e.action)
        .bind(&e.message)
        .bind(js(e.metadata.clone()))
        .bind(&e.ip_address)
        .bind(ts(e.at));
        exec(&mut tx, "append_audit", q).await?;
        tx.commit().await.map_err(db("append_audit"))
    }

    async fn audit_log(&self, tenant: TenantId, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.read_all("audit_log", newest(AUDIT, tenant, limit), audit_row)
            .await
    }
}
