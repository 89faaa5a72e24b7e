//! Deals deleted in the CRM: marking the stored deals inside the batch's transaction.

use std::collections::HashMap;

use synkro_core::error::StoreError;
use synkro_core::model::{Deal, DeletedDeal, TenantId};

use super::{Tx, any_text, db, text_list, un_js, upsert_rows};
use crate::rows::{self, from_json};

/// Marks the stored deals of `deletions` (tenant and source scoped) as
/// [`DeletedDeal::apply_to`] says, reading them inside `tx` (after the batch's own deals) and
/// writing them back through the newer-wins upsert. Returns how many deletions changed a deal
/// (as the in-memory store counts them: a deal deleted twice in one batch, the second time
/// later, counts twice); the others (a deal not stored, updated after the deletion, or already
/// marked) changed nothing.
pub(super) async fn mark_deleted(
    tx: &mut Tx,
    tenant: TenantId,
    source: &str,
    deletions: &[DeletedDeal],
) -> Result<u64, StoreError> {
    if deletions.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = deletions.iter().map(|d| d.id.to_string()).collect();
    let sql = format!(
        "SELECT data FROM deal WHERE tenant_id = $1 AND source = $2 AND external_id {}",
        any_text(3)
    );
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(source)
        .bind(text_list(ids))
        .fetch_all(&mut **tx)
        .await
        .map_err(db("read deals to mark deleted"))?;
    let mut stored: HashMap<String, Deal> = HashMap::with_capacity(found.len());
    for row in &found {
        let deal: Deal = from_json("stored deal", un_js(row, "data")?)?;
        stored.insert(deal.id.to_string(), deal);
    }
    // Deletions apply in order; a deal deleted twice in one batch is written once, as it ends.
    let mut marked: Vec<String> = Vec::new();
    let mut applied = 0;
    for d in deletions {
        let key = d.id.as_str();
        if let Some(next) = stored.get(key).and_then(|deal| d.apply_to(deal)) {
            applied += 1;
            stored.insert(key.to_owned(), next);
            if !marked.iter().any(|m| m == key) {
                marked.push(key.to_owned());
            }
        }
    }
    let deals: Vec<Deal> = marked.iter().filter_map(|id| stored.remove(id)).collect();
    let (rows, _) = rows::deal_rows(&deals)?;
    upsert_rows(tx, tenant, source, &rows::DEAL, &rows).await?;
    Ok(applied)
}
