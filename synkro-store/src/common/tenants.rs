//! [`TenantStore`]: tenants, their runtime configs and integrations, users, memberships and
//! password hashes.

use async_trait::async_trait;
use synkro_core::error::StoreError;
use synkro_core::model::{
    IntegrationConfig, IntegrationKind, Membership, SealedSecret, Tenant, TenantId,
    TenantRuntimeConfig, User, UserId,
};
use synkro_core::store::{NewTenant, NewUser, PasswordHash, TenantStore};

use super::{
    Db, DbRow, ThisStore, db, exec, get, js, not_found, opt_ts, tenant_exists, ts, tz, un_js,
};
use crate::rows::{from_json, label, parse_label, to_json};

const TENANT_COLS: &str = "id, name, slug, status, timezone";
const USER_COLS: &str = "id, login, phone, timezone";

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

fn integration_row(r: &DbRow) -> Result<IntegrationConfig, StoreError> {
    Ok(IntegrationConfig {
        tenant: TenantId(get(r, "tenant_id")?),
        kind: parse_label("integration.kind", &get::<String>(r, "kind")?).unwrap_or_else(|_| {
            IntegrationKind::Custom(get::<String>(r, "kind").unwrap_or_default())
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
}

fn membership_row(r: &DbRow) -> Result<Membership, StoreError> {
    Ok(Membership {
        user: UserId(get(r, "user_id")?),
        tenant: get::<Option<i64>>(r, "tenant_id")?.map(TenantId),
        role: parse_label("user_role.role", &get::<String>(r, "role")?)?,
        active: get(r, "active")?,
    })
}

impl ThisStore {
    /// Runs `q` (an `INSERT … RETURNING id`) in a write transaction of its own and returns the new
    /// id; a unique violation is the conflict `what`.
    async fn insert_unique<'q>(
        &self,
        op: &'static str,
        q: sqlx::query::QueryScalar<'q, Db, i64, <Db as sqlx::Database>::Arguments>,
        what: impl FnOnce() -> String + Send,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = q.fetch_one(&mut *tx).await.map_err(|e| match db(op)(e) {
            StoreError::Conflict { .. } => StoreError::Conflict { what: what() },
            other => other,
        })?;
        tx.commit().await.map_err(db(op))?;
        Ok(id)
    }
}

#[async_trait]
impl TenantStore for ThisStore {
    async fn create_tenant(&self, t: &NewTenant) -> Result<Tenant, StoreError> {
        let q = sqlx::query_scalar(
            "INSERT INTO tenant (name, slug, status, timezone, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&t.name)
        .bind(&t.slug)
        .bind(label(&t.status))
        .bind(t.timezone.name())
        .bind(ts(chrono::Utc::now()));
        let id = self
            .insert_unique("create_tenant", q, || {
                format!("tenant slug `{}` is taken", t.slug)
            })
            .await?;
        Ok(Tenant {
            id: TenantId(id),
            name: t.name.clone(),
            slug: t.slug.clone(),
            status: t.status,
            timezone: t.timezone,
        })
    }

    async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLS} FROM tenant WHERE id = $1");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0);
        self.read_opt("tenant", q, tenant_row).await
    }

    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLS} FROM tenant ORDER BY id");
        self.read_all("tenants", sqlx::query(sqlx::AssertSqlSafe(sql)), tenant_row)
            .await
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
        let q = sqlx::query(
            "INSERT INTO tenant_runtime_config (tenant_id, config, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
        )
        .bind(tenant.0)
        .bind(js(to_json("runtime config", cfg)?))
        .bind(ts(chrono::Utc::now()));
        exec(&mut tx, "put_runtime_config", q).await?;
        tx.commit().await.map_err(db("put_runtime_config"))
    }

    async fn runtime_config(
        &self,
        tenant: TenantId,
    ) -> Result<Option<TenantRuntimeConfig>, StoreError> {
        let q = sqlx::query("SELECT config FROM tenant_runtime_config WHERE tenant_id = $1")
            .bind(tenant.0);
        self.read_opt("runtime_config", q, |r| {
            from_json("tenant_runtime_config.config", un_js(r, "config")?)
        })
        .await
    }

    async fn put_integration(&self, cfg: &IntegrationConfig) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tenant_exists(&mut tx, cfg.tenant).await?;
        let q = sqlx::query(
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
        .bind(ts(chrono::Utc::now()));
        exec(&mut tx, "put_integration", q).await?;
        tx.commit().await.map_err(db("put_integration"))
    }

    async fn integrations(&self, tenant: TenantId) -> Result<Vec<IntegrationConfig>, StoreError> {
        let q = sqlx::query(
            "SELECT tenant_id, kind, status, settings, secret_key_id, secret_nonce, secret_ciphertext, \
             last_error, last_checked_at FROM integration WHERE tenant_id = $1 ORDER BY kind",
        )
        .bind(tenant.0);
        self.read_all("integrations", q, integration_row).await
    }

    async fn create_user(&self, u: &NewUser) -> Result<User, StoreError> {
        let q = sqlx::query_scalar(
            "INSERT INTO app_user (login, phone, timezone, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&u.login)
        .bind(&u.phone)
        .bind(u.timezone.map(|t| t.name().to_owned()))
        .bind(ts(chrono::Utc::now()));
        let id = self
            .insert_unique("create_user", q, || format!("login `{}` is taken", u.login))
            .await?;
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
        let q =
            sqlx::query("DELETE FROM user_role WHERE user_id = $1 AND coalesce(tenant_id, 0) = $2")
                .bind(m.user.0)
                .bind(m.tenant.map_or(0, |t| t.0));
        exec(&mut tx, "put_membership", q).await?;
        let q = sqlx::query(
            "INSERT INTO user_role (user_id, tenant_id, role, active) VALUES ($1, $2, $3, $4)",
        )
        .bind(m.user.0)
        .bind(m.tenant.map(|t| t.0))
        .bind(label(&m.role))
        .bind(m.active);
        exec(&mut tx, "put_membership", q).await?;
        tx.commit().await.map_err(db("put_membership"))
    }

    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
        let q = sqlx::query(
            "SELECT user_id, tenant_id, role, active FROM user_role WHERE user_id = $1 \
             ORDER BY coalesce(tenant_id, 0)",
        )
        .bind(user.0);
        self.read_all("memberships", q, membership_row).await
    }

    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM app_user WHERE id = $1");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0);
        self.read_opt("user", q, user_row).await
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM app_user WHERE login = $1");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(login);
        self.read_opt("user_by_login", q, user_row).await
    }

    async fn set_password_hash(&self, user: UserId, hash: &PasswordHash) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let q = sqlx::query("UPDATE app_user SET password_hash = $1 WHERE id = $2")
            .bind(hash.as_str())
            .bind(user.0);
        if exec(&mut tx, "set_password_hash", q).await? == 0 {
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
