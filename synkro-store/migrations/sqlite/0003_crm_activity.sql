-- Version 3: CRM activities (chat-message events, closed conversations, notes), keyed like the
-- other communication tables by (tenant, source, the source's own id). An activity belongs to a
-- deal, a contact or both; dialogs read them by deal or contact within a window.

CREATE TABLE crm_activity (
    tenant_id INTEGER NOT NULL REFERENCES tenant (id), source TEXT NOT NULL, external_id TEXT NOT NULL,
    source_updated_at INTEGER, revision INTEGER NOT NULL DEFAULT 1, data TEXT NOT NULL,
    kind TEXT NOT NULL, deal_id TEXT, contact_id TEXT, occurred_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX crm_activity_deal ON crm_activity (tenant_id, deal_id, occurred_at);
CREATE INDEX crm_activity_contact ON crm_activity (tenant_id, contact_id, occurred_at);
