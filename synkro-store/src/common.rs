// The store traits over SQL, shared by both backends. `include!`d by `sqlite/mod.rs` and
// `postgres/mod.rs`, which provide: `Db`, `ThisStore`, `ts()`/`un_ts()` (instants), `js()`/`un_js()`
// (JSON), `self.reader()`, `self.writer()`, `self.begin_write()`, `upsert_rows()`, `any_text(n)`
// (the `= ANY($n)` fragment for a bound list of strings) and `text_list()`.
//
// Every statement names the tenant; every read filters on it.

use async_trait::async_trait;
use sqlx::Row as _;
use synkro_core::error::StoreError;
use synkro_core::model::{
    AuditEntry, Call, Chat, Contact, ContactId, CrmActivity, Deal, DealId, IntegrationConfig,
    JobRun, Manager, Membership, Message, NewRun, NewRunEvent, Report, ReportId, ReportMessage,
    ReportStatus, RunEvent, RunId, RunOutcome, RunState, SalesPipeline, SealedSecret, StageChange,
    Tenant, TenantId, TenantRuntimeConfig, Timestamp, User, UserId, Window,
};
use synkro_core::store::{
    ApplyReport, AuditStore, CreateRun, CursorAdvance, CursorKey, DataStore, NewReport, NewTenant,
    NewUser, PasswordHash, ReportStore, RunStore, Store, SyncBatch, SyncCursor, TenantStore,
};

use crate::error::{corrupt, db, not_found};
use crate::rows::{self, from_json, label, parse_label, to_json};

type DbRow = <Db as sqlx::Database>::Row;
type Tx = sqlx::Transaction<'static, Db>;

fn tz(what: &str, s: &str) -> Result<chrono_tz::Tz, StoreError> {
    s.parse()
        .map_err(|_| corrupt(format!("{what}: unknown time zone `{s}`")))
}

fn get<'r, T>(row: &'r DbRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(col).map_err(db("decode row"))
}

fn opt_ts(row: &DbRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(get::<Option<TsCol>>(row, col)?.map(un_ts))
}

fn req_ts(row: &DbRow, col: &str) -> Result<Timestamp, StoreError> {
    Ok(un_ts(get::<TsCol>(row, col)?))
}

fn u8_of(v: i32) -> u8 {
    u8::try_from(v.clamp(0, 100)).unwrap_or(0)
}

async fn tenant_exists(tx: &mut Tx, tenant: TenantId) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM tenant WHERE id = $1")
        .bind(tenant.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db("tenant lookup"))?;
    found
        .map(|_| ())
        .ok_or_else(|| not_found(format!("tenant {tenant}")))
}

fn tenant_row(row: &DbRow) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: TenantId(get(row, "id")?),
        name: get(row, "name")?,
        slug: get(row, "slug")?,
        status: parse_label("tenant.status", &get::<String>(row, "status")?)?,
        timezone: tz("tenant.timezone", &get::<String>(row, "timezone")?)?,
    })
}

fn user_row(row: &DbRow) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(get(row, "id")?),
        login: get(row, "login")?,
        phone: get(row, "phone")?,
        timezone: get::<Option<String>>(row, "timezone")?
            .map(|s| tz("app_user.timezone", &s))
            .transpose()?,
    })
}

const RUN_COLS: &str = "id, tenant_id, job_type, mode, trigger, state, current_step, progress, \
    error_kind, error, window_start, window_end, requested_by, idempotency_key, attempt, metadata, \
    report_id, created_at, started_at, finished_at";

fn run_row(row: &DbRow) -> Result<JobRun, StoreError> {
    Ok(JobRun {
        id: RunId(get(row, "id")?),
        tenant: TenantId(get(row, "tenant_id")?),
        job_type: get(row, "job_type")?,
        mode: get(row, "mode")?,
        trigger: parse_label("job_run.trigger", &get::<String>(row, "trigger")?)?,
        state: parse_label("job_run.state", &get::<String>(row, "state")?)?,
        current_step: get(row, "current_step")?,
        progress: u8_of(get(row, "progress")?),
        error_kind: get(row, "error_kind")?,
        error: get(row, "error")?,
        window: Window {
            start: req_ts(row, "window_start")?,
            end: req_ts(row, "window_end")?,
        },
        requested_by: get::<Option<i64>>(row, "requested_by")?.map(UserId),
        idempotency_key: get(row, "idempotency_key")?,
        attempt: u32::try_from(get::<i32>(row, "attempt")?).unwrap_or(0),
        metadata: un_js(row, "metadata")?,
        report: get::<Option<i64>>(row, "report_id")?.map(ReportId),
        created_at: req_ts(row, "created_at")?,
        started_at: opt_ts(row, "started_at")?,
        finished_at: opt_ts(row, "finished_at")?,
    })
}

const REPORT_COLS: &str = "id, tenant_id, run_id, kind, status, period_start, period_end, \
    window_start, window_end, summary_text, document, created_at, followup_deadline_at";

fn report_row(row: &DbRow) -> Result<Report, StoreError> {
    Ok(Report {
        id: ReportId(get(row, "id")?),
        tenant: TenantId(get(row, "tenant_id")?),
        run: RunId(get(row, "run_id")?),
        kind: parse_label("report.kind", &get::<String>(row, "kind")?)?,
        status: parse_label("report.status", &get::<String>(row, "status")?)?,
        period_start: get(row, "period_start")?,
        period_end: get(row, "period_end")?,
        window: Window {
            start: req_ts(row, "window_start")?,
            end: req_ts(row, "window_end")?,
        },
        summary_text: get(row, "summary_text")?,
        document: from_json("report.document", un_js(row, "document")?)?,
        created_at: req_ts(row, "created_at")?,
        followup_deadline_at: opt_ts(row, "followup_deadline_at")?,
    })
}

async fn run_in_tx(tx: &mut Tx, tenant: TenantId, id: RunId) -> Result<JobRun, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLS} FROM job_run WHERE id = $1 AND tenant_id = $2"
    )))
    .bind(id.0)
    .bind(tenant.0)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db("run lookup"))?
    .ok_or_else(|| not_found(format!("run {id} of tenant {tenant}")))?;
    run_row(&row)
}

#[async_trait]
impl TenantStore for ThisStore {
    async fn create_tenant(&self, t: &NewTenant) -> Result<Tenant, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tenant (name, slug, status, timezone, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&t.name)
        .bind(&t.slug)
        .bind(label(&t.status))
        .bind(t.timezone.name())
        .bind(ts(chrono::Utc::now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db("create_tenant")(e) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                what: format!("tenant slug `{}` is taken", t.slug),
            },
            other => other,
        })?;
        tx.commit().await.map_err(db("create_tenant"))?;
        Ok(Tenant {
            id: TenantId(id),
            name: t.name.clone(),
            slug: t.slug.clone(),
            status: t.status,
            timezone: t.timezone,
        })
    }

    async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        sqlx::query("SELECT id, name, slug, status, timezone FROM tenant WHERE id = $1")
            .bind(id.0)
            .fetch_optional(self.reader())
            .await
            .map_err(db("tenant"))?
            .as_ref()
            .map(tenant_row)
            .transpose()
    }

    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        sqlx::query("SELECT id, name, slug, status, timezone FROM tenant ORDER BY id")
            .fetch_all(self.reader())
            .await
            .map_err(db("tenants"))?
            .iter()
            .map(tenant_row)
            .collect()
    }

    async fn put_runtime_config(
        &self,
        tenant: TenantId,
        cfg: &TenantRuntimeConfig,
    ) -> Result<(), StoreError> {
        cfg.validate().map_err(|e| StoreError::Other {
            operation: "put_runtime_config",
            source: Box::new(e),
        })?;
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, tenant).await?;
        sqlx::query(
            "INSERT INTO tenant_runtime_config (tenant_id, config, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
        )
        .bind(tenant.0)
        .bind(js(to_json("runtime config", cfg)?))
        .bind(ts(chrono::Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(db("put_runtime_config"))?;
        tx.commit().await.map_err(db("put_runtime_config"))
    }

    async fn runtime_config(
        &self,
        tenant: TenantId,
    ) -> Result<Option<TenantRuntimeConfig>, StoreError> {
        let row = sqlx::query("SELECT config FROM tenant_runtime_config WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_optional(self.reader())
            .await
            .map_err(db("runtime_config"))?;
        row.map(|r| from_json("tenant_runtime_config.config", un_js(&r, "config")?))
            .transpose()
    }

    async fn put_integration(&self, cfg: &IntegrationConfig) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, cfg.tenant).await?;
        sqlx::query(
            "INSERT INTO integration (tenant_id, kind, status, settings, secret_key_id, secret_nonce, \
             secret_ciphertext, last_error, last_checked_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (tenant_id, kind) DO UPDATE SET status = excluded.status, \
             settings = excluded.settings, secret_key_id = excluded.secret_key_id, \
             secret_nonce = excluded.secret_nonce, secret_ciphertext = excluded.secret_ciphertext, \
             last_error = excluded.last_error, last_checked_at = excluded.last_checked_at, \
             updated_at = excluded.updated_at",
        )
        .bind(cfg.tenant.0)
        .bind(cfg.kind.as_str())
        .bind(label(&cfg.status))
        .bind(js(cfg.settings.clone()))
        .bind(&cfg.secret.key_id)
        .bind(&cfg.secret.nonce)
        .bind(&cfg.secret.ciphertext)
        .bind(&cfg.last_error)
        .bind(cfg.last_checked_at.map(ts))
        .bind(ts(chrono::Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(db("put_integration"))?;
        tx.commit().await.map_err(db("put_integration"))
    }

    async fn integrations(&self, tenant: TenantId) -> Result<Vec<IntegrationConfig>, StoreError> {
        let rows = sqlx::query(
            "SELECT tenant_id, kind, status, settings, secret_key_id, secret_nonce, secret_ciphertext, \
             last_error, last_checked_at FROM integration WHERE tenant_id = $1 ORDER BY kind",
        )
        .bind(tenant.0)
        .fetch_all(self.reader())
        .await
        .map_err(db("integrations"))?;
        rows.iter()
            .map(|r| {
                Ok(IntegrationConfig {
                    tenant: TenantId(get(r, "tenant_id")?),
                    kind: parse_label("integration.kind", &get::<String>(r, "kind")?)
                        .unwrap_or_else(|_| {
                            synkro_core::model::IntegrationKind::Custom(
                                get::<String>(r, "kind").unwrap_or_default(),
                            )
                        }),
                    status: parse_label("integration.status", &get::<String>(r, "status")?)?,
                    settings: un_js(r, "settings")?,
                    secret: SealedSecret {
                        key_id: get(r, "secret_key_id")?,
                        nonce: get(r, "secret_nonce")?,
                        ciphertext: get(r, "secret_ciphertext")?,
                    },
                    last_error: get(r, "last_error")?,
                    last_checked_at: opt_ts(r, "last_checked_at")?,
                })
            })
            .collect()
    }

    async fn create_user(&self, u: &NewUser) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO app_user (login, phone, timezone, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&u.login)
        .bind(&u.phone)
        .bind(u.timezone.map(|t| t.name().to_owned()))
        .bind(ts(chrono::Utc::now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db("create_user")(e) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                what: format!("login `{}` is taken", u.login),
            },
            other => other,
        })?;
        tx.commit().await.map_err(db("create_user"))?;
        Ok(User {
            id: UserId(id),
            login: u.login.clone(),
            phone: u.phone.clone(),
            timezone: u.timezone,
        })
    }

    async fn put_membership(&self, m: &Membership) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let user: Option<i64> = sqlx::query_scalar("SELECT id FROM app_user WHERE id = $1")
            .bind(m.user.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("put_membership"))?;
        if user.is_none() {
            return Err(not_found(format!("user {}", m.user)));
        }
        if let Some(t) = m.tenant {
            tenant_exists(&mut tx, t).await?;
        }
        sqlx::query("DELETE FROM user_role WHERE user_id = $1 AND coalesce(tenant_id, 0) = $2")
            .bind(m.user.0)
            .bind(m.tenant.map_or(0, |t| t.0))
            .execute(&mut *tx)
            .await
            .map_err(db("put_membership"))?;
        sqlx::query(
            "INSERT INTO user_role (user_id, tenant_id, role, active) VALUES ($1, $2, $3, $4)",
        )
        .bind(m.user.0)
        .bind(m.tenant.map(|t| t.0))
        .bind(label(&m.role))
        .bind(m.active)
        .execute(&mut *tx)
        .await
        .map_err(db("put_membership"))?;
        tx.commit().await.map_err(db("put_membership"))
    }

    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
        let rows = sqlx::query(
            "SELECT user_id, tenant_id, role, active FROM user_role WHERE user_id = $1 \
             ORDER BY coalesce(tenant_id, 0)",
        )
        .bind(user.0)
        .fetch_all(self.reader())
        .await
        .map_err(db("memberships"))?;
        rows.iter()
            .map(|r| {
                Ok(Membership {
                    user: UserId(get(r, "user_id")?),
                    tenant: get::<Option<i64>>(r, "tenant_id")?.map(TenantId),
                    role: parse_label("user_role.role", &get::<String>(r, "role")?)?,
                    active: get(r, "active")?,
                })
            })
            .collect()
    }

    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        sqlx::query("SELECT id, login, phone, timezone FROM app_user WHERE id = $1")
            .bind(id.0)
            .fetch_optional(self.reader())
            .await
            .map_err(db("user"))?
            .as_ref()
            .map(user_row)
            .transpose()
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        sqlx::query("SELECT id, login, phone, timezone FROM app_user WHERE login = $1")
            .bind(login)
            .fetch_optional(self.reader())
            .await
            .map_err(db("user_by_login"))?
            .as_ref()
            .map(user_row)
            .transpose()
    }

    async fn set_password_hash(&self, user: UserId, hash: &PasswordHash) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE app_user SET password_hash = $1 WHERE id = $2")
            .bind(hash.as_str())
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db("set_password_hash"))?;
        if done.rows_affected() == 0 {
            return Err(not_found(format!("user {user}")));
        }
        tx.commit().await.map_err(db("set_password_hash"))
    }

    async fn password_hash(&self, user: UserId) -> Result<Option<PasswordHash>, StoreError> {
        let h: Option<Option<String>> =
            sqlx::query_scalar("SELECT password_hash FROM app_user WHERE id = $1")
                .bind(user.0)
                .fetch_optional(self.reader())
                .await
                .map_err(db("password_hash"))?;
        Ok(h.flatten().map(PasswordHash::new))
    }
}

async fn read_data<T: serde::de::DeserializeOwned>(
    pool: &sqlx::Pool<Db>,
    sql: String,
    tenant: TenantId,
    range: Option<&Window>,
) -> Result<Vec<T>, StoreError> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.0);
    if let Some(w) = range {
        q = q.bind(ts(w.start)).bind(ts(w.end));
    }
    let rows = q.fetch_all(pool).await.map_err(db("read data"))?;
    rows.iter()
        .map(|r| from_json("stored record", un_js(r, "data")?))
        .collect()
}

async fn read_by_ids<T: serde::de::DeserializeOwned>(
    pool: &sqlx::Pool<Db>,
    table: &str,
    tenant: TenantId,
    ids: Vec<String>,
) -> Result<Vec<T>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT data FROM {table} WHERE tenant_id = $1 AND external_id {} \
         ORDER BY source, external_id",
        any_text(2)
    )))
    .bind(tenant.0)
    .bind(text_list(ids))
    .fetch_all(pool)
    .await
    .map_err(db("read by ids"))?;
    rows.iter()
        .map(|r| from_json("stored record", un_js(r, "data")?))
        .collect()
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
            let changed_ids: std::collections::HashSet<&str> =
                changed.iter().map(|(id, _)| id.as_str()).collect();
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
        let now = ts(chrono::Utc::now());
        for c in cursors {
            sqlx::query(
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
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db("advance cursor"))?;
        }
        tx.commit().await.map_err(db("apply"))?;
        Ok(report)
    }

    async fn cursor(&self, key: &CursorKey) -> Result<Option<SyncCursor>, StoreError> {
        let row = sqlx::query(
            "SELECT cursor_at, position, updated_at FROM sync_cursor \
             WHERE tenant_id = $1 AND source = $2 AND stream = $3 AND scope = $4",
        )
        .bind(key.tenant.0)
        .bind(&key.source)
        .bind(&key.stream)
        .bind(&key.scope)
        .fetch_optional(self.reader())
        .await
        .map_err(db("cursor"))?;
        row.map(|r| {
            Ok(SyncCursor {
                cursor_at: req_ts(&r, "cursor_at")?,
                position: get(&r, "position")?,
                updated_at: req_ts(&r, "updated_at")?,
            })
        })
        .transpose()
    }

    async fn record_sync(
        &self,
        tenant: TenantId,
        source: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, tenant).await?;
        sqlx::query(
            "INSERT INTO source_sync (tenant_id, source, last_sync_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id, source) DO UPDATE SET last_sync_at = excluded.last_sync_at \
             WHERE excluded.last_sync_at > source_sync.last_sync_at",
        )
        .bind(tenant.0)
        .bind(source)
        .bind(ts(at))
        .execute(&mut *tx)
        .await
        .map_err(db("record_sync"))?;
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
        read_data(
            self.reader(),
            "SELECT data FROM manager WHERE tenant_id = $1 ORDER BY source, external_id".into(),
            tenant,
            None,
        )
        .await
    }

    async fn sales_pipelines(&self, tenant: TenantId) -> Result<Vec<SalesPipeline>, StoreError> {
        read_data(
            self.reader(),
            "SELECT data FROM sales_pipeline WHERE tenant_id = $1 ORDER BY source, external_id"
                .into(),
            tenant,
            None,
        )
        .await
    }

    async fn deals_updated(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<Deal>, StoreError> {
        read_data(
            self.reader(),
            "SELECT data FROM deal WHERE tenant_id = $1 AND source_updated_at >= $2 \
             AND source_updated_at < $3 ORDER BY source, external_id"
                .into(),
            tenant,
            Some(range),
        )
        .await
    }

    async fn deals(&self, tenant: TenantId) -> Result<Vec<Deal>, StoreError> {
        read_data(
            self.reader(),
            "SELECT data FROM deal WHERE tenant_id = $1 ORDER BY source, external_id".into(),
            tenant,
            None,
        )
        .await
    }

    async fn deals_by_ids(
        &self,
        tenant: TenantId,
        ids: &[DealId],
    ) -> Result<Vec<Deal>, StoreError> {
        read_by_ids(
            self.reader(),
            "deal",
            tenant,
            ids.iter().map(ToString::to_string).collect(),
        )
        .await
    }

    async fn contacts_by_ids(
        &self,
        tenant: TenantId,
        ids: &[ContactId],
    ) -> Result<Vec<Contact>, StoreError> {
        read_by_ids(
            self.reader(),
            "contact",
            tenant,
            ids.iter().map(ToString::to_string).collect(),
        )
        .await
    }

    async fn chats(&self, tenant: TenantId) -> Result<Vec<Chat>, StoreError> {
        read_data(
            self.reader(),
            "SELECT data FROM chat WHERE tenant_id = $1 ORDER BY source, external_id".into(),
            tenant,
            None,
        )
        .await
    }

    async fn messages_in(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<Message>, StoreError> {
        read_data(
            self.reader(),
            "SELECT data FROM message WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 \
             ORDER BY chat_id, created_at, external_id"
                .into(),
            tenant,
            Some(range),
        )
        .await
    }

    async fn calls_in(&self, tenant: TenantId, range: &Window) -> Result<Vec<Call>, StoreError> {
        read_data(
            self.reader(),
            "SELECT data FROM call WHERE tenant_id = $1 AND started_at >= $2 AND started_at < $3 \
             ORDER BY started_at, external_id"
                .into(),
            tenant,
            Some(range),
        )
        .await
    }

    async fn stage_changes_in(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<StageChange>, StoreError> {
        read_data(
            self.reader(),
            "SELECT data FROM stage_change WHERE tenant_id = $1 AND changed_at >= $2 AND changed_at < $3 \
             ORDER BY changed_at, external_id"
                .into(),
            tenant,
            Some(range),
        )
        .await
    }

    async fn activities_in(
        &self,
        tenant: TenantId,
        range: &Window,
        deals: &[DealId],
        contacts: &[ContactId],
    ) -> Result<Vec<CrmActivity>, StoreError> {
        if deals.is_empty() && contacts.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT data FROM crm_activity WHERE tenant_id = $1 AND occurred_at >= $2 \
             AND occurred_at < $3 AND (deal_id {} OR contact_id {}) \
             ORDER BY occurred_at, external_id, source",
            any_text(4),
            any_text(5)
        )))
        .bind(tenant.0)
        .bind(ts(range.start))
        .bind(ts(range.end))
        .bind(text_list(deals.iter().map(ToString::to_string).collect()))
        .bind(text_list(
            contacts.iter().map(ToString::to_string).collect(),
        ))
        .fetch_all(self.reader())
        .await
        .map_err(db("activities_in"))?;
        rows.iter()
            .map(|r| from_json("crm_activity.data", un_js(r, "data")?))
            .collect()
    }
}

async fn replace_stages(
    tx: &mut Tx,
    tenant: TenantId,
    source: &str,
    pipelines: &[SalesPipeline],
    changed: &std::collections::HashSet<&str>,
) -> Result<(), StoreError> {
    for p in pipelines.iter().filter(|p| changed.contains(p.id.as_str())) {
        sqlx::query("DELETE FROM stage WHERE tenant_id = $1 AND source = $2 AND pipeline_id = $3")
            .bind(tenant.0)
            .bind(source)
            .bind(p.id.as_str())
            .execute(&mut **tx)
            .await
            .map_err(db("replace stages"))?;
        for s in &p.stages {
            sqlx::query(
                "INSERT INTO stage (tenant_id, source, pipeline_id, external_id, name, sort, kind) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(tenant.0)
            .bind(source)
            .bind(p.id.as_str())
            .bind(s.id.as_str())
            .bind(&s.name)
            .bind(s.sort)
            .bind(label(&s.kind))
            .execute(&mut **tx)
            .await
            .map_err(db("replace stages"))?;
        }
    }
    Ok(())
}

async fn replace_phones(
    tx: &mut Tx,
    tenant: TenantId,
    source: &str,
    contacts: &[Contact],
    changed: &std::collections::HashSet<&str>,
) -> Result<(), StoreError> {
    for c in contacts.iter().filter(|c| changed.contains(c.id.as_str())) {
        sqlx::query(
            "DELETE FROM contact_phone WHERE tenant_id = $1 AND source = $2 AND contact_id = $3",
        )
        .bind(tenant.0)
        .bind(source)
        .bind(c.id.as_str())
        .execute(&mut **tx)
        .await
        .map_err(db("replace phones"))?;
        for (i, phone) in c.phones.iter().enumerate() {
            sqlx::query(
                "INSERT INTO contact_phone (tenant_id, source, contact_id, position, phone) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(tenant.0)
            .bind(source)
            .bind(c.id.as_str())
            .bind(i32::try_from(i).unwrap_or(i32::MAX))
            .bind(phone)
            .execute(&mut **tx)
            .await
            .map_err(db("replace phones"))?;
        }
    }
    Ok(())
}

#[async_trait]
impl RunStore for ThisStore {
    async fn create_run(&self, run: &NewRun, now: Timestamp) -> Result<CreateRun, StoreError> {
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, run.tenant).await?;
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLS} FROM job_run WHERE idempotency_key = $1"
        )))
        .bind(&run.idempotency_key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("create_run"))?;
        if let Some(row) = existing {
            return Ok(CreateRun::Existing(run_row(&row)?));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO job_run (tenant_id, job_type, mode, trigger, state, progress, window_start, \
             window_end, requested_by, idempotency_key, attempt, metadata, created_at) \
             VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8, 0, $9, $10) RETURNING {RUN_COLS}"
        )))
        .bind(run.tenant.0)
        .bind(&run.job_type)
        .bind(&run.mode)
        .bind(run.trigger.as_str())
        .bind(ts(run.window.start))
        .bind(ts(run.window.end))
        .bind(run.requested_by.map(|u| u.0))
        .bind(&run.idempotency_key)
        .bind(js(run.metadata.clone()))
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db("create_run"))?;
        let job = run_row(&row)?;
        tx.commit().await.map_err(db("create_run"))?;
        Ok(CreateRun::Created(job))
    }

    async fn run(&self, tenant: TenantId, id: RunId) -> Result<Option<JobRun>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLS} FROM job_run WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(self.reader())
        .await
        .map_err(db("run"))?
        .as_ref()
        .map(run_row)
        .transpose()
    }

    async fn runs(&self, tenant: TenantId, limit: u32) -> Result<Vec<JobRun>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLS} FROM job_run WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2"
        )))
        .bind(tenant.0)
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db("runs"))?
        .iter()
        .map(run_row)
        .collect()
    }

    async fn start_run(
        &self,
        tenant: TenantId,
        id: RunId,
        now: Timestamp,
    ) -> Result<Option<JobRun>, StoreError> {
        let mut tx = self.begin_write().await?;
        run_in_tx(&mut tx, tenant, id).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE job_run SET state = 'running', attempt = attempt + 1, \
             started_at = coalesce(started_at, $3) \
             WHERE id = $1 AND tenant_id = $2 AND state = 'queued' RETURNING {RUN_COLS}"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("start_run"))?;
        let run = row.as_ref().map(run_row).transpose()?;
        tx.commit().await.map_err(db("start_run"))?;
        Ok(run)
    }

    async fn record_event(
        &self,
        tenant: TenantId,
        run: RunId,
        event: &NewRunEvent,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let job = run_in_tx(&mut tx, tenant, run).await?;
        sqlx::query(
            "INSERT INTO job_run_event (run_id, tenant_id, at, level, step, message, progress, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(run.0)
        .bind(tenant.0)
        .bind(ts(now))
        .bind(label(&event.level))
        .bind(&event.step)
        .bind(&event.message)
        .bind(event.progress.map(i32::from))
        .bind(js(event.data.clone()))
        .execute(&mut *tx)
        .await
        .map_err(db("record_event"))?;
        if event.progress.is_some() || job.current_step.is_none() {
            let progress = event.progress.map_or(job.progress, |p| job.progress.max(p));
            sqlx::query("UPDATE job_run SET current_step = $1, progress = $2 WHERE id = $3 AND tenant_id = $4")
                .bind(&event.step)
                .bind(i32::from(progress))
                .bind(run.0)
                .bind(tenant.0)
                .execute(&mut *tx)
                .await
                .map_err(db("record_event"))?;
        }
        tx.commit().await.map_err(db("record_event"))
    }

    async fn run_events(&self, tenant: TenantId, run: RunId) -> Result<Vec<RunEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, run_id, tenant_id, at, level, step, message, progress, data \
             FROM job_run_event WHERE run_id = $1 AND tenant_id = $2 ORDER BY id",
        )
        .bind(run.0)
        .bind(tenant.0)
        .fetch_all(self.reader())
        .await
        .map_err(db("run_events"))?;
        rows.iter()
            .map(|r| {
                Ok(RunEvent {
                    id: get(r, "id")?,
                    run: RunId(get(r, "run_id")?),
                    tenant: TenantId(get(r, "tenant_id")?),
                    at: req_ts(r, "at")?,
                    event: NewRunEvent {
                        level: parse_label("job_run_event.level", &get::<String>(r, "level")?)?,
                        step: get(r, "step")?,
                        message: get(r, "message")?,
                        progress: get::<Option<i32>>(r, "progress")?.map(u8_of),
                        data: un_js(r, "data")?,
                    },
                })
            })
            .collect()
    }

    async fn finish_run(
        &self,
        tenant: TenantId,
        id: RunId,
        outcome: &RunOutcome,
        now: Timestamp,
    ) -> Result<JobRun, StoreError> {
        let mut tx = self.begin_write().await?;
        let run = run_in_tx(&mut tx, tenant, id).await?;
        if run.state != RunState::Running {
            return Err(StoreError::Conflict {
                what: format!("run {id} is {:?}, not running", run.state),
            });
        }
        let (report, kind, message, progress) = match outcome {
            RunOutcome::Succeeded { report } => (Some(report.0), None, None, 100),
            RunOutcome::Failed { kind, message } => (
                None,
                Some(kind.clone()),
                Some(message.clone()),
                run.progress,
            ),
            _ => (None, None, None, run.progress),
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE job_run SET state = $1, finished_at = $2, report_id = coalesce($3, report_id), \
             error_kind = coalesce($4, error_kind), error = coalesce($5, error), progress = $6 \
             WHERE id = $7 AND tenant_id = $8 RETURNING {RUN_COLS}"
        )))
        .bind(label(&outcome.state()))
        .bind(ts(now))
        .bind(report)
        .bind(kind)
        .bind(message)
        .bind(i32::from(progress))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("finish_run"))?;
        let run = run_row(&row)?;
        tx.commit().await.map_err(db("finish_run"))?;
        Ok(run)
    }

    async fn request_cancel(
        &self,
        tenant: TenantId,
        id: RunId,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<RunState, StoreError> {
        let mut tx = self.begin_write().await?;
        let run = run_in_tx(&mut tx, tenant, id).await?;
        let state = match run.state {
            RunState::Queued => {
                sqlx::query(
                    "UPDATE job_run SET state = 'cancelled', finished_at = $1, \
                     cancel_requested_at = $1, cancel_requested_by = $2 WHERE id = $3 AND tenant_id = $4",
                )
                .bind(ts(now))
                .bind(by.map(|u| u.0))
                .bind(id.0)
                .bind(tenant.0)
                .execute(&mut *tx)
                .await
                .map_err(db("request_cancel"))?;
                RunState::Cancelled
            }
            RunState::Running => {
                sqlx::query(
                    "UPDATE job_run SET cancel_requested_at = coalesce(cancel_requested_at, $1), \
                     cancel_requested_by = coalesce(cancel_requested_by, $2) WHERE id = $3 AND tenant_id = $4",
                )
                .bind(ts(now))
                .bind(by.map(|u| u.0))
                .bind(id.0)
                .bind(tenant.0)
                .execute(&mut *tx)
                .await
                .map_err(db("request_cancel"))?;
                RunState::Running
            }
            other => other,
        };
        tx.commit().await.map_err(db("request_cancel"))?;
        Ok(state)
    }

    async fn cancel_requested(&self, tenant: TenantId, id: RunId) -> Result<bool, StoreError> {
        let v: Option<Option<TsCol>> = sqlx::query_scalar(
            "SELECT cancel_requested_at FROM job_run WHERE id = $1 AND tenant_id = $2",
        )
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(self.reader())
        .await
        .map_err(db("cancel_requested"))?;
        match v {
            None => Err(not_found(format!("run {id} of tenant {tenant}"))),
            Some(at) => Ok(at.is_some()),
        }
    }
}

#[async_trait]
impl ReportStore for ThisStore {
    async fn save_report(&self, r: &NewReport, now: Timestamp) -> Result<Report, StoreError> {
        let mut tx = self.begin_write().await?;
        run_in_tx(&mut tx, r.tenant, r.run).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO report (tenant_id, run_id, kind, status, period_start, period_end, window_start, \
             window_end, summary_text, document, created_at, followup_deadline_at) \
             VALUES ($1, $2, $3, 'ready', $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {REPORT_COLS}"
        )))
        .bind(r.tenant.0)
        .bind(r.run.0)
        .bind(label(&r.kind))
        .bind(r.document.period_start)
        .bind(r.document.period_end)
        .bind(ts(r.document.window.start))
        .bind(ts(r.document.window.end))
        .bind(&r.summary_text)
        .bind(js(to_json("report document", &r.document)?))
        .bind(ts(now))
        .bind(r.followup_deadline_at.map(ts))
        .fetch_one(&mut *tx)
        .await
        .map_err(db("save_report"))?;
        let report = report_row(&row)?;
        tx.commit().await.map_err(db("save_report"))?;
        Ok(report)
    }

    async fn report(&self, tenant: TenantId, id: ReportId) -> Result<Option<Report>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM report WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(self.reader())
        .await
        .map_err(db("report"))?
        .as_ref()
        .map(report_row)
        .transpose()
    }

    async fn reports(&self, tenant: TenantId, limit: u32) -> Result<Vec<Report>, StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM report WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2"
        )))
        .bind(tenant.0)
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db("reports"))?
        .iter()
        .map(report_row)
        .collect()
    }

    async fn set_report_status(
        &self,
        tenant: TenantId,
        id: ReportId,
        status: ReportStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE report SET status = $1 WHERE id = $2 AND tenant_id = $3")
            .bind(label(&status))
            .bind(id.0)
            .bind(tenant.0)
            .execute(&mut *tx)
            .await
            .map_err(db("set_report_status"))?;
        if done.rows_affected() == 0 {
            return Err(not_found(format!("report {id} of tenant {tenant}")));
        }
        tx.commit().await.map_err(db("set_report_status"))
    }

    async fn add_report_message(&self, msg: &ReportMessage) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO report_message (report_id, tenant_id, actor, question, answer, at) \
             SELECT id, tenant_id, $3, $4, $5, $6 FROM report WHERE id = $1 AND tenant_id = $2",
        )
        .bind(msg.report.0)
        .bind(msg.tenant.0)
        .bind(msg.actor.map(|u| u.0))
        .bind(&msg.question)
        .bind(&msg.answer)
        .bind(ts(msg.at))
        .execute(&mut *tx)
        .await
        .map_err(db("add_report_message"))?;
        if done.rows_affected() == 0 {
            return Err(not_found(format!(
                "report {} of tenant {}",
                msg.report, msg.tenant
            )));
        }
        tx.commit().await.map_err(db("add_report_message"))
    }

    async fn report_messages(
        &self,
        tenant: TenantId,
        report: ReportId,
    ) -> Result<Vec<ReportMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT report_id, tenant_id, actor, question, answer, at FROM report_message \
             WHERE report_id = $1 AND tenant_id = $2 ORDER BY id",
        )
        .bind(report.0)
        .bind(tenant.0)
        .fetch_all(self.reader())
        .await
        .map_err(db("report_messages"))?;
        rows.iter()
            .map(|r| {
                Ok(ReportMessage {
                    report: ReportId(get(r, "report_id")?),
                    tenant: TenantId(get(r, "tenant_id")?),
                    actor: get::<Option<i64>>(r, "actor")?.map(UserId),
                    question: get(r, "question")?,
                    answer: get(r, "answer")?,
                    at: req_ts(r, "at")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl AuditStore for ThisStore {
    async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, e.tenant).await?;
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, actor, action, message, metadata, ip_address, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(e.tenant.0)
        .bind(e.actor.map(|u| u.0))
        .bind(&e.action)
        .bind(&e.message)
        .bind(js(e.metadata.clone()))
        .bind(&e.ip_address)
        .bind(ts(e.at))
        .execute(&mut *tx)
        .await
        .map_err(db("append_audit"))?;
        tx.commit().await.map_err(db("append_audit"))
    }

    async fn audit_log(&self, tenant: TenantId, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT tenant_id, actor, action, message, metadata, ip_address, at FROM audit_log \
             WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant.0)
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db("audit_log"))?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    tenant: TenantId(get(r, "tenant_id")?),
                    actor: get::<Option<i64>>(r, "actor")?.map(UserId),
                    action: get(r, "action")?,
                    message: get(r, "message")?,
                    metadata: un_js(r, "metadata")?,
                    ip_address: get(r, "ip_address")?,
                    at: req_ts(r, "at")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl Store for ThisStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }
}

#[async_trait]
impl crate::client_data::ClientDataSink for ThisStore {
    async fn put_deals(&self, rows: &[crate::client_data::ClientDeal]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO client_deal (tenant_id, deal_id, deal_name, status_id, status_name, \
                 responsible, phone, chat_id, first_message_at, last_message_at, message_count, \
                 deal_attributes, contact_attributes, raw_dialog, transcript, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 ON CONFLICT (tenant_id, deal_id) DO UPDATE SET deal_name = excluded.deal_name, \
                 status_id = excluded.status_id, status_name = excluded.status_name, \
                 responsible = excluded.responsible, phone = excluded.phone, chat_id = excluded.chat_id, \
                 first_message_at = excluded.first_message_at, last_message_at = excluded.last_message_at, \
                 message_count = excluded.message_count, deal_attributes = excluded.deal_attributes, \
                 contact_attributes = excluded.contact_attributes, raw_dialog = excluded.raw_dialog, \
                 transcript = excluded.transcript, updated_at = excluded.updated_at",
            )
            .bind(&r.tenant_id)
            .bind(&r.deal_id)
            .bind(&r.deal_name)
            .bind(&r.status_id)
            .bind(&r.status_name)
            .bind(&r.responsible)
            .bind(&r.phone)
            .bind(&r.chat_id)
            .bind(r.first_message_at.map(ts))
            .bind(r.last_message_at.map(ts))
            .bind(r.message_count)
            .bind(js(r.deal_attributes.clone()))
            .bind(js(r.contact_attributes.clone()))
            .bind(js(r.raw_dialog.clone()))
            .bind(&r.transcript)
            .bind(ts(r.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db("put client deals"))?;
        }
        tx.commit().await.map_err(db("put client deals"))
    }

    async fn put_reports(
        &self,
        rows: &[crate::client_data::ClientReport],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO client_report (tenant_id, source_report_id, report_date, type, text, comment) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, source_report_id) DO UPDATE SET \
                 report_date = excluded.report_date, type = excluded.type, text = excluded.text, \
                 comment = excluded.comment",
            )
            .bind(&r.tenant_id)
            .bind(r.source_report_id)
            .bind(r.report_date)
            .bind(&r.kind)
            .bind(&r.text)
            .bind(&r.comment)
            .execute(&mut *tx)
            .await
            .map_err(db("put client reports"))?;
        }
        tx.commit().await.map_err(db("put client reports"))
    }
}

impl ThisStore {
    /// The client data layer's deal rows of a tenant (by slug), by deal id.
    ///
    /// # Errors
    /// Backend failures; [`StoreError::Corrupt`] for an undecodable row.
    pub async fn client_deals(
        &self,
        tenant_slug: &str,
    ) -> Result<Vec<crate::client_data::ClientDeal>, StoreError> {
        let rows = sqlx::query(
            "SELECT tenant_id, deal_id, deal_name, status_id, status_name, responsible, phone, chat_id, \
             first_message_at, last_message_at, message_count, deal_attributes, contact_attributes, \
             raw_dialog, transcript, updated_at FROM client_deal WHERE tenant_id = $1 ORDER BY deal_id",
        )
        .bind(tenant_slug)
        .fetch_all(self.reader())
        .await
        .map_err(db("client_deals"))?;
        rows.iter()
            .map(|r| {
                Ok(crate::client_data::ClientDeal {
                    tenant_id: get(r, "tenant_id")?,
                    deal_id: get(r, "deal_id")?,
                    deal_name: get(r, "deal_name")?,
                    status_id: get(r, "status_id")?,
                    status_name: get(r, "status_name")?,
                    responsible: get(r, "responsible")?,
                    phone: get(r, "phone")?,
                    chat_id: get(r, "chat_id")?,
                    first_message_at: opt_ts(r, "first_message_at")?,
                    last_message_at: opt_ts(r, "last_message_at")?,
                    message_count: get(r, "message_count")?,
                    deal_attributes: un_js(r, "deal_attributes")?,
                    contact_attributes: un_js(r, "contact_attributes")?,
                    raw_dialog: un_js(r, "raw_dialog")?,
                    transcript: get(r, "transcript")?,
                    updated_at: req_ts(r, "updated_at")?,
                })
            })
            .collect()
    }

    /// The client data layer's report rows of a tenant (by slug), by report id.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn client_reports(
        &self,
        tenant_slug: &str,
    ) -> Result<Vec<crate::client_data::ClientReport>, StoreError> {
        let rows = sqlx::query(
            "SELECT tenant_id, source_report_id, report_date, type, text, comment FROM client_report \
             WHERE tenant_id = $1 ORDER BY source_report_id",
        )
        .bind(tenant_slug)
        .fetch_all(self.reader())
        .await
        .map_err(db("client_reports"))?;
        rows.iter()
            .map(|r| {
                Ok(crate::client_data::ClientReport {
                    tenant_id: get(r, "tenant_id")?,
                    source_report_id: get(r, "source_report_id")?,
                    report_date: get(r, "report_date")?,
                    kind: get(r, "type")?,
                    text: get(r, "text")?,
                    comment: get(r, "comment")?,
                })
            })
            .collect()
    }
}
