-- Version 4: deals deleted in the CRM. A deal the CRM lists as deleted (amoCRM
-- `with=only_deleted`) stays stored with the instant of its deletion, here and as `deleted_at` in
-- its `data`; a restored deal clears it. NULL for live deals and for every row written before.

ALTER TABLE deal ADD COLUMN deleted_at timestamptz;
