-- Synkro schema, version 1: tenancy, users, integrations, runs, reports, audit, communication data.
-- Instants are timestamptz; JSON is jsonb; ids are bigint identities; text keys use the C collation.

CREATE TABLE tenant (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text    NOT NULL,
    slug text COLLATE "C"    NOT NULL UNIQUE,
    status text    NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
    timezone text    NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE tenant_runtime_config (
    tenant_id bigint PRIMARY KEY REFERENCES tenant (id),
    config jsonb    NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE integration (
    tenant_id bigint NOT NULL REFERENCES tenant (id),
    kind text COLLATE "C"    NOT NULL,
    status text    NOT NULL,
    settings jsonb    NOT NULL,
    secret_key_id text    NOT NULL,
    secret_nonce      bytea    NOT NULL,
    secret_ciphertext bytea    NOT NULL,
    last_error text,
    last_checked_at timestamptz,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);

CREATE TABLE app_user (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login text COLLATE "C"    NOT NULL UNIQUE,
    phone text,
    timezone text,
    password_hash text,
    created_at timestamptz NOT NULL
);

-- A role with no tenant is global: it applies to every tenant.
CREATE TABLE user_role (
    user_id bigint NOT NULL REFERENCES app_user (id),
    tenant_id bigint REFERENCES tenant (id),
    role text    NOT NULL CHECK (role IN ('super_admin', 'admin_lite', 'user')),
    active boolean NOT NULL
);
CREATE UNIQUE INDEX user_role_one_per_tenant ON user_role (user_id, coalesce(tenant_id, 0));

CREATE TABLE job_run (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenant (id),
    job_type text    NOT NULL,
    mode text    NOT NULL,
    trigger text    NOT NULL,
    state text    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    current_step text,
    progress integer NOT NULL DEFAULT 0,
    error_kind text,
    error text,
    window_start timestamptz NOT NULL,
    window_end timestamptz NOT NULL,
    requested_by bigint,
    idempotency_key text COLLATE "C"    NOT NULL UNIQUE,
    attempt integer NOT NULL DEFAULT 0,
    metadata jsonb    NOT NULL,
    report_id bigint,
    cancel_requested_at timestamptz,
    cancel_requested_by bigint,
    created_at timestamptz NOT NULL,
    started_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX job_run_tenant_created ON job_run (tenant_id, id DESC);

CREATE TABLE job_run_event (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES job_run (id),
    tenant_id bigint NOT NULL REFERENCES tenant (id),
    at timestamptz NOT NULL,
    level text    NOT NULL,
    step text    NOT NULL,
    message text    NOT NULL,
    progress integer,
    data jsonb    NOT NULL
);
CREATE INDEX job_run_event_run ON job_run_event (run_id, id);

CREATE TABLE report (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenant (id),
    run_id bigint NOT NULL REFERENCES job_run (id),
    kind text COLLATE "C"    NOT NULL,
    status text    NOT NULL,
    period_start date    NOT NULL,
    period_end date    NOT NULL,
    window_start timestamptz NOT NULL,
    window_end timestamptz NOT NULL,
    summary_text text    NOT NULL,
    document jsonb    NOT NULL,
    created_at timestamptz NOT NULL,
    followup_deadline_at timestamptz
);
CREATE INDEX report_tenant ON report (tenant_id, id DESC);

CREATE TABLE report_message (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id bigint NOT NULL REFERENCES report (id),
    tenant_id bigint NOT NULL REFERENCES tenant (id),
    actor bigint,
    question text    NOT NULL,
    answer text    NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX report_message_report ON report_message (report_id, id);

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenant (id),
    actor bigint,
    action text    NOT NULL,
    message text    NOT NULL,
    metadata jsonb    NOT NULL,
    ip_address text,
    at timestamptz NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id DESC);

CREATE TABLE source_sync (
    tenant_id bigint NOT NULL REFERENCES tenant (id),
    source text COLLATE "C"    NOT NULL,
    last_sync_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, source)
);

-- Communication data: one table per entity, keyed by (tenant, source, the source's own id).
-- `data` holds the full record; the other columns are for queries and for people reading the DB.
CREATE TABLE manager (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    name text,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE TABLE sales_pipeline (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    name text,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE TABLE stage (
    tenant_id bigint NOT NULL, source text COLLATE "C" NOT NULL, pipeline_id text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    name text NOT NULL, sort integer NOT NULL, kind text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, source, pipeline_id, external_id),
    FOREIGN KEY (tenant_id, source, pipeline_id) REFERENCES sales_pipeline (tenant_id, source, external_id) ON DELETE CASCADE
);
CREATE TABLE deal (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    name text,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX deal_updated ON deal (tenant_id, source_updated_at);
CREATE TABLE contact (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    name text,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE TABLE contact_phone (
    tenant_id bigint NOT NULL, source text COLLATE "C" NOT NULL, contact_id text COLLATE "C" NOT NULL, position integer NOT NULL,
    phone text NOT NULL,
    PRIMARY KEY (tenant_id, source, contact_id, position),
    FOREIGN KEY (tenant_id, source, contact_id) REFERENCES contact (tenant_id, source, external_id) ON DELETE CASCADE
);
CREATE TABLE chat (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    phone text,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE TABLE message (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    chat_id text COLLATE "C" NOT NULL, created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX message_created ON message (tenant_id, created_at);
CREATE TABLE call (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    deal_id text COLLATE "C", started_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX call_started ON call (tenant_id, started_at);
CREATE TABLE stage_change (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    deal_id text COLLATE "C", changed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX stage_change_at ON stage_change (tenant_id, changed_at);
CREATE TABLE responsible_change (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
