-- Version 2: per-stream sync cursors and the client data layer (one row per deal, reports).

CREATE TABLE sync_cursor (
    tenant_id  INTEGER NOT NULL REFERENCES tenant (id),
    source     TEXT    NOT NULL,
    stream     TEXT    NOT NULL,
    scope      TEXT    NOT NULL DEFAULT '',
    cursor_at  INTEGER NOT NULL,
    position   TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, source, stream, scope)
);

-- The old service's client `deals` table: one row per deal with its dialog.
CREATE TABLE client_deal (
    tenant_id        TEXT    NOT NULL,
    deal_id          TEXT    NOT NULL,
    deal_name        TEXT    NOT NULL,
    status_id        TEXT,
    status_name      TEXT,
    responsible      TEXT,
    phone            TEXT,
    chat_id          TEXT,
    first_message_at INTEGER,
    last_message_at  INTEGER,
    message_count    INTEGER NOT NULL,
    deal_attributes  TEXT    NOT NULL,
    contact_attributes TEXT  NOT NULL,
    raw_dialog       TEXT    NOT NULL,
    transcript       TEXT    NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, deal_id)
);

-- The old service's client `reports` table.
CREATE TABLE client_report (
    tenant_id        TEXT    NOT NULL,
    source_report_id INTEGER NOT NULL,
    report_date      TEXT    NOT NULL,
    type             TEXT    NOT NULL,
    text             TEXT    NOT NULL,
    comment          TEXT,
    PRIMARY KEY (tenant_id, source_report_id)
);
