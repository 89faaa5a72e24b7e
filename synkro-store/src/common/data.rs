//! [`DataStore`]: applying synced batches with their cursors, the sync bookkeeping, and the
//! tenant's communication records read back.

use std::collections::HashSet;

use async_trait::async_trait;
use synkro_core::error::StoreError;
use synkro_core::model::{
    Call, Chat, Contact, ContactId, CrmActivity, Deal, DealId, Manager, Message, SalesPipeline,
    StageChange, TenantId, Timestamp, Window,
};
use synkro_core::store::{
    ApplyReport, CursorAdvance, CursorKey, DataStore, PhoneSpelling, SyncBatch, SyncCursor,
};

use super::children::{replace_phones, replace_stages};
use super::deleted::mark_deleted;
use super::reads::Docs;
use super::{
    Db, DbRow, ThisStore, TsCol, db, exec, get, req_ts, tenant_exists, ts, un_ts, upsert_rows,
};
use crate::rows;

/// Phone spellings a statement inserts: four parameters each, far under both backends' limits.
const SPELLINGS_PER_STATEMENT: usize = 1000;

fn cursor_row(r: &DbRow) -> Result<SyncCursor, StoreError> {
    Ok(SyncCursor {
        cursor_at: req_ts(r, "cursor_at")?,
        position: get(r, "position")?,
        updated_at: req_ts(r, "updated_at")?,
    })
}

#[async_trait]
impl DataStore for ThisStore {
    async fn apply_with_cursors(
        &self,
        tenant: TenantId,
        source: &str,
        batch: &SyncBatch,
        cursors: &[CursorAdvance],
    ) -> Result<ApplyReport, StoreError> {
        let (tables, folded) = rows::batch_rows(batch)?;
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, tenant).await?;
        let mut report = ApplyReport {
            unchanged: folded,
            ..ApplyReport::default()
        };
        for (table, rows) in &tables {
            let changed = upsert_rows(&mut tx, tenant, source, table, rows).await?;
            let mut inserted = 0;
            for (_, revision) in &changed {
                if *revision == 1 {
                    inserted += 1;
                }
            }
            report.inserted += inserted;
            report.updated += changed.len() as u64 - inserted;
            report.unchanged += rows.len() as u64 - changed.len() as u64;
            let changed_ids: HashSet<&str> = changed.iter().map(|(id, _)| id.as_str()).collect();
            if table.name == rows::PIPELINE.name {
                replace_stages(
                    &mut tx,
                    tenant,
                    source,
                    &batch.sales_pipelines,
                    &changed_ids,
                )
                .await?;
            } else if table.name == rows::CONTACT.name {
                replace_phones(&mut tx, tenant, source, &batch.contacts, &changed_ids).await?;
            }
        }
        let marked = mark_deleted(&mut tx, tenant, source, &batch.deleted_deals).await?;
        report.updated += marked;
        report.unchanged += batch.deleted_deals.len() as u64 - marked;
        let now = ts(chrono::Utc::now());
        for c in cursors {
            let q = sqlx::query(
                "INSERT INTO sync_cursor (tenant_id, source, stream, scope, cursor_at, position, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (tenant_id, source, stream, scope) DO UPDATE SET \
                 cursor_at = excluded.cursor_at, position = excluded.position, updated_at = excluded.updated_at \
                 WHERE excluded.cursor_at >= sync_cursor.cursor_at",
            )
            .bind(tenant.0)
            .bind(source)
            .bind(&c.stream)
            .bind(&c.scope)
            .bind(ts(c.at))
            .bind(&c.position)
            .bind(now);
            exec(&mut tx, "advance cursor", q).await?;
        }
        tx.commit().await.map_err(db("apply"))?;
        Ok(report)
    }

    async fn cursor(&self, key: &CursorKey) -> Result<Option<SyncCursor>, StoreError> {
        let q = sqlx::query(
            "SELECT cursor_at, position, updated_at FROM sync_cursor \
             WHERE tenant_id = $1 AND source = $2 AND stream = $3 AND scope = $4",
        )
        .bind(key.tenant.0)
        .bind(&key.source)
        .bind(&key.stream)
        .bind(&key.scope);
        self.read_opt("cursor", q, cursor_row).await
    }

    async fn record_sync(
        &self,
        tenant: TenantId,
        source: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, tenant).await?;
        let q = sqlx::query(
            "INSERT INTO source_sync (tenant_id, source, last_sync_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id, source) DO UPDATE SET last_sync_at = excluded.last_sync_at \
             WHERE excluded.last_sync_at > source_sync.last_sync_at",
        )
        .bind(tenant.0)
        .bind(source)
        .bind(ts(at));
        exec(&mut tx, "record_sync", q).await?;
        tx.commit().await.map_err(db("record_sync"))
    }

    async fn last_sync(
        &self,
        tenant: TenantId,
        source: &str,
    ) -> Result<Option<Timestamp>, StoreError> {
        let v: Option<TsCol> = sqlx::query_scalar(
            "SELECT last_sync_at FROM source_sync WHERE tenant_id = $1 AND source = $2",
        )
        .bind(tenant.0)
        .bind(source)
        .fetch_optional(self.reader())
        .await
        .map_err(db("last_sync"))?;
        Ok(v.map(un_ts))
    }

    async fn managers(&self, tenant: TenantId) -> Result<Vec<Manager>, StoreError> {
        self.read_docs(tenant, Docs::of("manager")).await
    }

    async fn sales_pipelines(&self, tenant: TenantId) -> Result<Vec<SalesPipeline>, StoreError> {
        self.read_docs(tenant, Docs::of("sales_pipeline")).await
    }

    async fn deals_updated(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<Deal>, StoreError> {
        let read = Docs::of("deal").within("source_updated_at", range);
        self.read_docs(tenant, read).await
    }

    async fn deals(&self, tenant: TenantId) -> Result<Vec<Deal>, StoreError> {
        self.read_docs(tenant, Docs::of("deal")).await
    }

    async fn deals_by_ids(
        &self,
        tenant: TenantId,
        ids: &[DealId],
    ) -> Result<Vec<Deal>, StoreError> {
        self.read_docs(tenant, Docs::of("deal").ids(ids)).await
    }

    async fn contacts_by_ids(
        &self,
        tenant: TenantId,
        ids: &[ContactId],
    ) -> Result<Vec<Contact>, StoreError> {
        self.read_docs(tenant, Docs::of("contact").ids(ids)).await
    }

    async fn chats(&self, tenant: TenantId) -> Result<Vec<Chat>, StoreError> {
        self.read_docs(tenant, Docs::of("chat")).await
    }

    async fn messages_in(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<Message>, StoreError> {
        let read = Docs::of("message")
            .within("created_at", range)
            .order("chat_id, created_at, external_id");
        self.read_docs(tenant, read).await
    }

    async fn calls_in(&self, tenant: TenantId, range: &Window) -> Result<Vec<Call>, StoreError> {
        let read = Docs::of("call")
            .within("started_at", range)
            .order("started_at, external_id");
        self.read_docs(tenant, read).await
    }

    async fn stage_changes_in(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<StageChange>, StoreError> {
        let read = Docs::of("stage_change")
            .within("changed_at", range)
            .order("changed_at, external_id");
        self.read_docs(tenant, read).await
    }

    async fn activities_in(
        &self,
        tenant: TenantId,
        range: &Window,
        deals: &[DealId],
        contacts: &[ContactId],
    ) -> Result<Vec<CrmActivity>, StoreError> {
        let read = Docs::of("crm_activity")
            .within("occurred_at", range)
            .linked(deals, contacts)
            .order("occurred_at, external_id, source")
            .named("activities_in", "crm_activity.data");
        self.read_docs(tenant, read).await
    }

    async fn phone_spellings(
        &self,
        tenant: TenantId,
        region: &str,
    ) -> Result<Vec<PhoneSpelling>, StoreError> {
        let q = sqlx::query(
            "SELECT spelling, e164 FROM phone_spelling WHERE tenant_id = $1 AND region = $2",
        )
        .bind(tenant.0)
        .bind(region.to_owned());
        self.read_all("phone_spellings", q, |r| {
            Ok(PhoneSpelling {
                spelling: get(r, "spelling")?,
                e164: get(r, "e164")?,
            })
        })
        .await
    }

    async fn save_phone_spellings(
        &self,
        tenant: TenantId,
        region: &str,
        entries: &[PhoneSpelling],
    ) -> Result<u64, StoreError> {
        let mut seen = HashSet::new();
        let entries: Vec<&PhoneSpelling> = entries
            .iter()
            .filter(|e| seen.insert(e.spelling.as_str()))
            .collect();
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, tenant).await?;
        let mut inserted = 0;
        for chunk in entries.chunks(SPELLINGS_PER_STATEMENT) {
            let mut qb: sqlx::QueryBuilder<Db> = sqlx::QueryBuilder::new(
                "INSERT INTO phone_spelling (tenant_id, region, spelling, e164) ",
            );
            qb.push_values(chunk, |mut b, e| {
                b.push_bind(tenant.0)
                    .push_bind(region.to_owned())
                    .push_bind(e.spelling.clone())
                    .push_bind(e.e164.clone());
            });
            qb.push(" ON CONFLICT (tenant_id, region, spelling) DO NOTHING");
            inserted += qb
                .build()
                .execute(&mut *tx)
                .await
                .map_err(db("save_phone_spellings"))?
                .rows_affected();
        }
        tx.commit().await.map_err(db("save_phone_spellings"))?;
        Ok(inserted)
    }
}
