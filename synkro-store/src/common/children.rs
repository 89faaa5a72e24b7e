//! The child sets replaced with their parent when it changes: a pipeline's stages, a contact's
//! phones.

use std::collections::HashSet;

use synkro_core::error::StoreError;
use synkro_core::model::{Contact, SalesPipeline, TenantId};

use super::{Query, Tx, exec};
use crate::rows::label;

/// Replaces the stages of every pipeline in `changed`.
pub(super) async fn replace_stages(
    tx: &mut Tx,
    tenant: TenantId,
    source: &str,
    pipelines: &[SalesPipeline],
    changed: &HashSet<&str>,
) -> Result<(), StoreError> {
    const OP: &str = "replace stages";
    for p in pipelines.iter().filter(|p| changed.contains(p.id.as_str())) {
        let parent = (tenant, source, p.id.as_str());
        exec(tx, OP, delete_children(("stage", "pipeline_id"), parent)).await?;
        for s in &p.stages {
            let q = insert_child(
                "INSERT INTO stage (tenant_id, source, pipeline_id, external_id, name, sort, kind) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                parent,
            )
            .bind(s.id.as_str())
            .bind(&s.name)
            .bind(s.sort)
            .bind(label(&s.kind));
            exec(tx, OP, q).await?;
        }
    }
    Ok(())
}

/// Replaces the phones of every contact in `changed`.
pub(super) async fn replace_phones(
    tx: &mut Tx,
    tenant: TenantId,
    source: &str,
    contacts: &[Contact],
    changed: &HashSet<&str>,
) -> Result<(), StoreError> {
    const OP: &str = "replace phones";
    for c in contacts.iter().filter(|c| changed.contains(c.id.as_str())) {
        let parent = (tenant, source, c.id.as_str());
        exec(
            tx,
            OP,
            delete_children(("contact_phone", "contact_id"), parent),
        )
        .await?;
        for (i, phone) in c.phones.iter().enumerate() {
            let q = insert_child(
                "INSERT INTO contact_phone (tenant_id, source, contact_id, position, phone) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                parent,
            )
            .bind(i32::try_from(i).unwrap_or(i32::MAX))
            .bind(phone);
            exec(tx, OP, q).await?;
        }
    }
    Ok(())
}

/// A parent: its tenant, source and external id.
type Parent<'a> = (TenantId, &'a str, &'a str);

/// Deletes the rows of `table` whose `parent_col` names `parent`.
fn delete_children((table, parent_col): (&str, &str), parent: Parent<'_>) -> Query {
    let sql =
        format!("DELETE FROM {table} WHERE tenant_id = $1 AND source = $2 AND {parent_col} = $3");
    bind_parent(sqlx::query(sqlx::AssertSqlSafe(sql)), parent)
}

/// `sql` (an insert of a child row, the parent at `$1`–`$3`), with the parent bound.
fn insert_child(sql: &'static str, parent: Parent<'_>) -> Query {
    bind_parent(sqlx::query(sql), parent)
}

fn bind_parent(q: Query, (tenant, source, id): Parent<'_>) -> Query {
    q.bind(tenant.0).bind(source).bind(id)
}
