-- Connection status detail: why it is disconnected (e.g. key revoked), and when a batch last applied.
ALTER TABLE klaviyo_connection ADD COLUMN status_reason VARCHAR(512);
ALTER TABLE klaviyo_connection ADD COLUMN last_sync_at TIMESTAMPTZ;

-- Ledger (G8): the last applied version per contact, and its Klaviyo profile id once known (the
-- email -> id cache that spares lookups on removal). Versions only move forward.
CREATE TABLE contact_ledger (
    account_id      VARCHAR(64)  NOT NULL,
    email           VARCHAR(320) NOT NULL,
    applied_version BIGINT       NOT NULL,
    profile_id      VARCHAR(64),
    in_list         BOOLEAN      NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (account_id, email)
);

-- Batches already applied: a redelivered batch id causes no Klaviyo write.
CREATE TABLE applied_batch (
    batch_id   VARCHAR(512) PRIMARY KEY,
    account_id VARCHAR(64)  NOT NULL,
    window_id  VARCHAR(512) NOT NULL,
    applied_at TIMESTAMPTZ  NOT NULL
);

-- Batches kept for later (account not connected, key revoked, Klaviyo unavailable): visible, never dropped.
CREATE TABLE parked_batch (
    batch_id   VARCHAR(512) PRIMARY KEY,
    account_id VARCHAR(64)  NOT NULL,
    sequence   INT          NOT NULL,
    payload    TEXT         NOT NULL,
    reason     VARCHAR(1024) NOT NULL,
    attempts   INT          NOT NULL DEFAULT 0,
    parked_at  TIMESTAMPTZ  NOT NULL,
    updated_at TIMESTAMPTZ  NOT NULL
);
CREATE INDEX parked_batch_account ON parked_batch (account_id, parked_at);

-- One row per window (sync history, G13); counts accumulate over the window's batches.
CREATE TABLE sync_run (
    account_id     VARCHAR(64)  NOT NULL,
    window_id      VARCHAR(512) NOT NULL,
    window_kind    VARCHAR(32),
    window_end     TIMESTAMPTZ,
    started_at     TIMESTAMPTZ  NOT NULL,
    finished_at    TIMESTAMPTZ  NOT NULL,
    batches        INT          NOT NULL DEFAULT 0,
    added          INT          NOT NULL DEFAULT 0,
    moved          INT          NOT NULL DEFAULT 0,
    removed        INT          NOT NULL DEFAULT 0,
    deleted        INT          NOT NULL DEFAULT 0,
    skipped        INT          NOT NULL DEFAULT 0,
    failed         INT          NOT NULL DEFAULT 0,
    klaviyo_writes INT          NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, window_id)
);

-- Per-row outcomes that need attention: rows Klaviyo rejected, and rows skipped for a reason worth showing.
CREATE TABLE sync_row_error (
    id         BIGSERIAL PRIMARY KEY,
    account_id VARCHAR(64)  NOT NULL,
    window_id  VARCHAR(512) NOT NULL,
    batch_id   VARCHAR(512) NOT NULL,
    email      VARCHAR(320),
    outcome    VARCHAR(32)  NOT NULL,
    detail     VARCHAR(2048) NOT NULL,
    at         TIMESTAMPTZ  NOT NULL
);
CREATE INDEX sync_row_error_window ON sync_row_error (account_id, window_id);
