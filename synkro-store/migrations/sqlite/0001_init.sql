-- Synkro schema, version 1: tenancy, users, integrations, runs, reports, audit, communication data.
-- Instants are INTEGER Unix milliseconds (UTC); JSON is TEXT.

CREATE TABLE tenant (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    slug       TEXT    NOT NULL UNIQUE,
    status     TEXT    NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
    timezone   TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE tenant_runtime_config (
    tenant_id  INTEGER PRIMARY KEY REFERENCES tenant (id),
    config     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE integration (
    tenant_id         INTEGER NOT NULL REFERENCES tenant (id),
    kind              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    settings          TEXT    NOT NULL,
    secret_key_id     TEXT    NOT NULL,
    secret_nonce      BLOB    NOT NULL,
    secret_ciphertext BLOB    NOT NULL,
    last_error        TEXT,
    last_checked_at   INTEGER,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);

CREATE TABLE app_user (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT    NOT NULL UNIQUE,
    phone         TEXT,
    timezone      TEXT,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);

-- A role with no tenant is global: it applies to every tenant.
CREATE TABLE user_role (
    user_id   INTEGER NOT NULL REFERENCES app_user (id),
    tenant_id INTEGER REFERENCES tenant (id),
    role      TEXT    NOT NULL CHECK (role IN ('super_admin', 'admin_lite', 'user')),
    active    INTEGER NOT NULL
);
CREATE UNIQUE INDEX user_role_one_per_tenant ON user_role (user_id, coalesce(tenant_id, 0));

CREATE TABLE job_run (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id           INTEGER NOT NULL REFERENCES tenant (id),
    job_type            TEXT    NOT NULL,
    mode                TEXT    NOT NULL,
    trigger             TEXT    NOT NULL,
    state               TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    current_step        TEXT,
    progress            INTEGER NOT NULL DEFAULT 0,
    error_kind          TEXT,
    error               TEXT,
    window_start        INTEGER NOT NULL,
    window_end          INTEGER NOT NULL,
    requested_by        INTEGER,
    idempotency_key     TEXT    NOT NULL UNIQUE,
    attempt             INTEGER NOT NULL DEFAULT 0,
    metadata            TEXT    NOT NULL,
    report_id           INTEGER,
    cancel_requested_at INTEGER,
    cancel_requested_by INTEGER,
    created_at          INTEGER NOT NULL,
    started_at          INTEGER,
    finished_at         INTEGER
);
CREATE INDEX job_run_tenant_created ON job_run (tenant_id, id DESC);

CREATE TABLE job_run_event (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id    INTEGER NOT NULL REFERENCES job_run (id),
    tenant_id INTEGER NOT NULL REFERENCES tenant (id),
    at        INTEGER NOT NULL,
    level     TEXT    NOT NULL,
    step      TEXT    NOT NULL,
    message   TEXT    NOT NULL,
    progress  INTEGER,
    data      TEXT    NOT NULL
);
CREATE INDEX job_run_event_run ON job_run_event (run_id, id);

CREATE TABLE report (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id            INTEGER NOT NULL REFERENCES tenant (id),
    run_id               INTEGER NOT NULL REFERENCES job_run (id),
    kind                 TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    period_start         TEXT    NOT NULL,
    period_end           TEXT    NOT NULL,
    window_start         INTEGER NOT NULL,
    window_end           INTEGER NOT NULL,
    summary_text         TEXT    NOT NULL,
    document             TEXT    NOT NULL,
    created_at           INTEGER NOT NULL,
    followup_deadline_at INTEGER
);
CREATE INDEX report_tenant ON report (tenant_id, id DESC);

CREATE TABLE report_message (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES report (id),
    tenant_id INTEGER NOT NULL REFERENCES tenant (id),
    actor     INTEGER,
    question  TEXT    NOT NULL,
    answer    TEXT    NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX report_message_report ON report_message (report_id, id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  INTEGER NOT NULL REFERENCES tenant (id),
    actor      INTEGER,
    action     TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    metadata   TEXT    NOT NULL,
    ip_address TEXT,
    at         INTEGER NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id DESC);

CREATE TABLE source_sync (
    tenant_id    INTEGER NOT NULL REFERENCES tenant (id),
    source       TEXT    NOT NULL,
    last_sync_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, source)
);

-- Communication data: one table per entity, keyed by (tenant, source, the source's own id).
-- `data` holds the full record; the other columns are for queries and for people reading the DB.
CREATE TABLE manager (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    name TEXT,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE TABLE sales_pipeline (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    name TEXT,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE TABLE stage (
    tenant_id INTEGER NOT NULL, source TEXT NOT NULL, pipeline_id TEXT NOT NULL, external_id TEXT NOT NULL,
    name TEXT NOT NULL, sort INTEGER NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (tenant_id, source, pipeline_id, external_id),
    FOREIGN KEY (tenant_id, source, pipeline_id) REFERENCES sales_pipeline (tenant_id, source, external_id) ON DELETE CASCADE
);
CREATE TABLE deal (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    name TEXT,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX deal_updated ON deal (tenant_id, source_updated_at);
CREATE TABLE contact (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    name TEXT,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE TABLE contact_phone (
    tenant_id INTEGER NOT NULL, source TEXT NOT NULL, contact_id TEXT NOT NULL, position INTEGER NOT NULL,
    phone TEXT NOT NULL,
    PRIMARY KEY (tenant_id, source, contact_id, position),
    FOREIGN KEY (tenant_id, source, contact_id) REFERENCES contact (tenant_id, source, external_id) ON DELETE CASCADE
);
CREATE TABLE chat (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    phone TEXT,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE TABLE message (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    chat_id TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX message_created ON message (tenant_id, created_at);
CREATE TABLE call (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    deal_id TEXT, started_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX call_started ON call (tenant_id, started_at);
CREATE TABLE stage_change (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    deal_id TEXT, changed_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX stage_change_at ON stage_change (tenant_id, changed_at);
CREATE TABLE responsible_change (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
