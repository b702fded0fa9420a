-- account_window (V1) keeps one row per account; created_at anchors the regular-window grid.

-- Per contact: latest desired state, pending flags, last released state (G6, G8, G9).
CREATE TABLE contact_ledger (
    account_id            VARCHAR(64)  NOT NULL,
    email                 VARCHAR(320) NOT NULL,
    -- Kafka partition the contact's changes arrive on: the instance owning it releases the contact.
    source_partition      INT          NOT NULL,
    desired_in_list       BOOLEAN      NOT NULL,
    desired_segment       TEXT,
    desired_segments      TEXT         NOT NULL,
    desired_version       BIGINT       NOT NULL,
    desired_deleted       BOOLEAN      NOT NULL,
    pending               BOOLEAN      NOT NULL,
    pending_since         TIMESTAMPTZ,
    first_enable_pending  BOOLEAN      NOT NULL,
    first_enable_since    TIMESTAMPTZ,
    -- NULL released_version: nothing was ever released for this contact.
    released_in_list      BOOLEAN,
    released_segment      TEXT,
    released_segments     TEXT,
    released_version      BIGINT,
    released_deleted      BOOLEAN,
    released_at           TIMESTAMPTZ,
    last_event_id         UUID,
    updated_at            TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (account_id, email)
);
CREATE INDEX contact_ledger_pending ON contact_ledger (account_id, source_partition, pending_since) WHERE pending;
CREATE INDEX contact_ledger_first_enable ON contact_ledger (account_id, source_partition, first_enable_since)
    WHERE first_enable_pending;

-- Per account and source partition: when each kind of window is next due (NULL: nothing waits).
CREATE TABLE window_schedule (
    account_id            VARCHAR(64) NOT NULL,
    source_partition      INT         NOT NULL,
    regular_due_at        TIMESTAMPTZ,
    first_enable_due_at   TIMESTAMPTZ,
    PRIMARY KEY (account_id, source_partition)
);
CREATE INDEX window_schedule_regular_due ON window_schedule (regular_due_at) WHERE regular_due_at IS NOT NULL;
CREATE INDEX window_schedule_first_enable_due ON window_schedule (first_enable_due_at) WHERE first_enable_due_at IS NOT NULL;

-- Transactional outbox: a batch row is written in the same transaction that marks its contacts released.
CREATE TABLE outbox_batch (
    id                    BIGSERIAL    PRIMARY KEY,
    batch_id              VARCHAR(400) NOT NULL UNIQUE,
    account_id            VARCHAR(64)  NOT NULL,
    window_id             VARCHAR(300) NOT NULL,
    window_kind           VARCHAR(16)  NOT NULL,
    source_partition      INT          NOT NULL,
    sequence              INT          NOT NULL,
    contact_count         INT          NOT NULL,
    payload               TEXT         NOT NULL,
    created_at            TIMESTAMPTZ  NOT NULL,
    claimed_until         TIMESTAMPTZ,
    published_at          TIMESTAMPTZ,
    UNIQUE (window_id, source_partition, sequence)
);
CREATE INDEX outbox_batch_unpublished ON outbox_batch (id) WHERE published_at IS NULL;
CREATE INDEX outbox_batch_published_at ON outbox_batch (published_at) WHERE published_at IS NOT NULL;
