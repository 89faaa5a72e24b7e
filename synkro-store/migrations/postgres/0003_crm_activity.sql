-- Version 3: CRM activities (chat-message events, closed conversations, notes), keyed like the
-- other communication tables by (tenant, source, the source's own id). An activity belongs to a
-- deal, a contact or both; dialogs read them by deal or contact within a window.

CREATE TABLE crm_activity (
    tenant_id bigint NOT NULL REFERENCES tenant (id), source text COLLATE "C" NOT NULL, external_id text COLLATE "C" NOT NULL,
    source_updated_at timestamptz, revision integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
    kind text COLLATE "C" NOT NULL, deal_id text COLLATE "C", contact_id text COLLATE "C", occurred_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, source, external_id)
);
CREATE INDEX crm_activity_deal ON crm_activity (tenant_id, deal_id, occurred_at);
CREATE INDEX crm_activity_contact ON crm_activity (tenant_id, contact_id, occurred_at);
