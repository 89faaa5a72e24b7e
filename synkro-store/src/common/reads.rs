//! The reads every table shares: a statement's rows mapped to domain values; the statements for a
//! tenant's row by id, its newest rows and the rows under one of its parents; the stored `data`
//! documents of the communication tables. Every statement here filters on the tenant.

use serde::de::DeserializeOwned;
use synkro_core::error::StoreError;
use synkro_core::model::{TenantId, Window};

use super::{DbRow, Query, ThisStore, any_text, db, text_list, ts, un_js};
use crate::rows::from_json;

impl ThisStore {
    /// Every row `q` reads, mapped with `f`; `op` names the read in errors.
    pub(super) async fn read_all<T, F>(
        &self,
        op: &'static str,
        q: Query,
        f: F,
    ) -> Result<Vec<T>, StoreError>
    where
        T: Send,
        F: Fn(&DbRow) -> Result<T, StoreError> + Send,
    {
        q.fetch_all(self.reader())
            .await
            .map_err(db(op))?
            .iter()
            .map(f)
            .collect()
    }

    /// The row `q` reads, if any, mapped with `f`; `op` names the read in errors.
    pub(super) async fn read_opt<T, F>(
        &self,
        op: &'static str,
        q: Query,
        f: F,
    ) -> Result<Option<T>, StoreError>
    where
        T: Send,
        F: Fn(&DbRow) -> Result<T, StoreError> + Send,
    {
        q.fetch_optional(self.reader())
            .await
            .map_err(db(op))?
            .as_ref()
            .map(f)
            .transpose()
    }

    /// The stored `data` documents that `read` selects of `tenant`'s rows.
    pub(super) async fn read_docs<T>(
        &self,
        tenant: TenantId,
        read: Docs<'_>,
    ) -> Result<Vec<T>, StoreError>
    where
        T: DeserializeOwned + Send,
    {
        let Some(sql) = read.sql() else {
            return Ok(Vec::new());
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.0);
        if let Some((_, w)) = read.range {
            q = q.bind(ts(w.start)).bind(ts(w.end));
        }
        if let Some(ids) = read.ids {
            q = q.bind(text_list(ids));
        }
        if let Some((deals, contacts)) = read.links {
            q = q.bind(text_list(deals)).bind(text_list(contacts));
        }
        let what = read.what;
        self.read_all(read.op, q, |r| from_json(what, un_js(r, "data")?))
            .await
    }
}

/// Row `id` of `table` (columns `cols`), if it belongs to `tenant`.
pub(super) fn by_id((table, cols): (&str, &str), tenant: TenantId, id: i64) -> Query {
    let sql = format!("SELECT {cols} FROM {table} WHERE id = $1 AND tenant_id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(tenant.0)
}

/// The newest `limit` rows of `table` (columns `cols`) of `tenant`, by id descending.
pub(super) fn newest((table, cols): (&str, &str), tenant: TenantId, limit: u32) -> Query {
    let sql = format!("SELECT {cols} FROM {table} WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(i64::from(limit))
}

/// The rows of `table` (columns `cols`) whose `parent_col` is `parent`, if they belong to
/// `tenant`, by id.
pub(super) fn children(
    (table, cols): (&str, &str),
    (parent_col, parent): (&str, i64),
    tenant: TenantId,
) -> Query {
    let sql = format!(
        "SELECT {cols} FROM {table} WHERE {parent_col} = $1 AND tenant_id = $2 ORDER BY id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(parent)
        .bind(tenant.0)
}

/// A read of the `data` documents of one tenant's rows of a communication table.
#[derive(Debug)]
pub(super) struct Docs<'a> {
    table: &'static str,
    /// The instant column to keep inside the half-open window, and the window.
    range: Option<(&'static str, &'a Window)>,
    /// The external ids to keep (none: nothing is read).
    ids: Option<Vec<String>>,
    /// The deal ids and the contact ids, either of which a row must name (none: nothing is read).
    links: Option<(Vec<String>, Vec<String>)>,
    order: &'static str,
    /// The read's name in driver errors.
    op: &'static str,
    /// The document's name in decoding errors.
    what: &'static str,
}

impl<'a> Docs<'a> {
    /// Every row of `table`, by source and external id.
    pub(super) const fn of(table: &'static str) -> Self {
        Self {
            table,
            range: None,
            ids: None,
            links: None,
            order: "source, external_id",
            op: "read data",
            what: "stored record",
        }
    }

    /// The rows whose `col` falls inside `range`.
    pub(super) const fn within(mut self, col: &'static str, range: &'a Window) -> Self {
        self.range = Some((col, range));
        self
    }

    /// The rows with one of these external ids.
    pub(super) fn ids<I: ToString>(mut self, ids: &[I]) -> Self {
        self.ids = Some(ids.iter().map(ToString::to_string).collect());
        self.op = "read by ids";
        self
    }

    /// The rows naming one of these deals or one of these contacts.
    pub(super) fn linked<D: ToString, C: ToString>(mut self, deals: &[D], contacts: &[C]) -> Self {
        self.links = Some((
            deals.iter().map(ToString::to_string).collect(),
            contacts.iter().map(ToString::to_string).collect(),
        ));
        self
    }

    /// In this order instead.
    pub(super) const fn order(mut self, order: &'static str) -> Self {
        self.order = order;
        self
    }

    /// Named `op` in driver errors and `what` in decoding errors instead.
    pub(super) const fn named(mut self, op: &'static str, what: &'static str) -> Self {
        self.op = op;
        self.what = what;
        self
    }

    /// The statement, with the tenant at `$1`, then the window, the ids and the links in that
    /// order; `None` when an id filter leaves nothing to read.
    fn sql(&self) -> Option<String> {
        let table = self.table;
        let mut sql = format!("SELECT data FROM {table} WHERE tenant_id = $1");
        let mut n = 1;
        if let Some((col, _)) = self.range {
            sql.push_str(&format!(" AND {col} >= ${} AND {col} < ${}", n + 1, n + 2));
            n += 2;
        }
        if let Some(ids) = &self.ids {
            if ids.is_empty() {
                return None;
            }
            sql.push_str(&format!(" AND external_id {}", any_text(n + 1)));
            n += 1;
        }
        if let Some((deals, contacts)) = &self.links {
            if deals.is_empty() && contacts.is_empty() {
                return None;
            }
            sql.push_str(&format!(
                " AND (deal_id {} OR contact_id {})",
                any_text(n + 1),
                any_text(n + 2)
            ));
        }
        sql.push_str(" ORDER BY ");
        sql.push_str(self.order);
        Some(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> Window {
        let end = chrono::Utc::now();
        Window {
            start: end - chrono::Duration::days(1),
            end,
        }
    }

    #[test]
    fn docs_read_every_row_of_the_tenant() {
        assert_eq!(
            Docs::of("manager").sql().as_deref(),
            Some("SELECT data FROM manager WHERE tenant_id = $1 ORDER BY source, external_id")
        );
    }

    #[test]
    fn docs_read_inside_a_half_open_window() {
        let w = window();
        assert_eq!(
            Docs::of("message")
                .within("created_at", &w)
                .order("chat_id, created_at, external_id")
                .sql()
                .as_deref(),
            Some(
                "SELECT data FROM message WHERE tenant_id = $1 AND created_at >= $2 \
                 AND created_at < $3 ORDER BY chat_id, created_at, external_id"
            )
        );
    }

    #[test]
    fn docs_read_by_ids_and_nothing_for_no_ids() {
        assert_eq!(
            Docs::of("deal").ids(&["d1"]).sql(),
            Some(format!(
                "SELECT data FROM deal WHERE tenant_id = $1 AND external_id {} \
                 ORDER BY source, external_id",
                any_text(2)
            ))
        );
        assert_eq!(Docs::of("deal").ids::<String>(&[]).sql(), None);
    }

    #[test]
    fn docs_read_by_deal_or_contact_inside_a_window() {
        let w = window();
        let read = |deals: &[&str], contacts: &[&str]| {
            Docs::of("crm_activity")
                .within("occurred_at", &w)
                .linked(deals, contacts)
                .order("occurred_at, external_id, source")
                .sql()
        };
        let want = format!(
            "SELECT data FROM crm_activity WHERE tenant_id = $1 AND occurred_at >= $2 \
             AND occurred_at < $3 AND (deal_id {} OR contact_id {}) \
             ORDER BY occurred_at, external_id, source",
            any_text(4),
            any_text(5)
        );
        assert_eq!(read(&["d1"], &[]), Some(want.clone()));
        assert_eq!(read(&[], &["c1"]), Some(want));
        assert_eq!(read(&[], &[]), None);
    }
}
