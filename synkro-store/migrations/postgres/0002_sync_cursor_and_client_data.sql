-- Version 2: per-stream sync cursors and the client data layer (one row per deal, reports).

CREATE TABLE sync_cursor (
    tenant_id bigint NOT NULL REFERENCES tenant (id),
    source text COLLATE "C"    NOT NULL,
    stream text COLLATE "C"    NOT NULL,
    scope text COLLATE "C"    NOT NULL DEFAULT '',
    cursor_at timestamptz NOT NULL,
    position text,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, source, stream, scope)
);

-- The old service's client `deals` table: one row per deal with its dialog.
CREATE TABLE client_deal (
    tenant_id text    NOT NULL,
    deal_id text COLLATE "C"    NOT NULL,
    deal_name text    NOT NULL,
    status_id text,
    status_name text,
    responsible text,
    phone text,
    chat_id text COLLATE "C",
    first_message_at timestamptz,
    last_message_at timestamptz,
    message_count integer NOT NULL,
    deal_attributes jsonb    NOT NULL,
    contact_attributes jsonb  NOT NULL,
    raw_dialog jsonb    NOT NULL,
    transcript text    NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, deal_id)
);

-- The old service's client `reports` table.
CREATE TABLE client_report (
    tenant_id text    NOT NULL,
    source_report_id bigint NOT NULL,
    report_date date    NOT NULL,
    type text    NOT NULL,
    text text    NOT NULL,
    comment text,
    PRIMARY KEY (tenant_id, source_report_id)
);
