-- Version 5: the tenants' persisted phone books. Each phone spelling a run met (as a source wrote
-- it, byte for byte) with its E.164 form in the region numbers without a calling code are read
-- in; `e164` is NULL for a spelling that is not a valid number there. Rows are only inserted
-- (normalization is deterministic), so every spelling is parsed once per tenant and region.

CREATE TABLE phone_spelling (
    tenant_id bigint NOT NULL REFERENCES tenant (id), region text COLLATE "C" NOT NULL, spelling text COLLATE "C" NOT NULL,
    e164 text COLLATE "C",
    PRIMARY KEY (tenant_id, region, spelling)
);
