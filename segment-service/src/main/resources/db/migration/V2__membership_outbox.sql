-- A contact as segment-service knows it. observed_at guards against stale events; version counts the
-- membership changes emitted for it (continued from the tombstone after a deletion, so it only grows);
-- synced_view is what downstream last received (JSON array of {id,name}), so every emission is a diff
-- against what consumers actually saw, whatever path (event, sync switch, rename) caused it.
CREATE TABLE contact (
    account_id   VARCHAR(64)  NOT NULL,
    email        VARCHAR(254) NOT NULL,
    observed_at  TIMESTAMPTZ  NOT NULL,
    version      BIGINT       NOT NULL DEFAULT 0,
    entry_seq    BIGINT       NOT NULL DEFAULT 0,
    synced_view  TEXT         NOT NULL DEFAULT '[]',
    updated_at   TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (account_id, email)
);

-- Membership in every segment, defined or not, synced or not. entry_seq orders entries per contact
-- (nosto_segment = the synced segment entered most recently).
CREATE TABLE membership (
    account_id  VARCHAR(64)  NOT NULL,
    email       VARCHAR(254) NOT NULL,
    segment_id  VARCHAR(128) NOT NULL,
    entry_seq   BIGINT       NOT NULL,
    entered_at  TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (account_id, email, segment_id),
    FOREIGN KEY (account_id, email) REFERENCES contact (account_id, email) ON DELETE CASCADE
);
-- Paging through a segment's members by email (sync switch, rename) and counting them.
CREATE INDEX membership_by_segment ON membership (account_id, segment_id, email);

-- What is left of a deleted contact: a hash of account|email (no email kept), when it was deleted (the
-- event's observedAt) and the last version, so a re-added contact's versions keep growing.
CREATE TABLE contact_tombstone (
    key_hash    CHAR(64)    NOT NULL PRIMARY KEY,
    account_id  VARCHAR(64) NOT NULL,
    deleted_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT      NOT NULL
);

-- Transactional outbox: written in the same transaction as the state change, relayed to Kafka in id order.
-- Ids come from the sequence at insert time, after the contact lock is held, so one contact's rows are in order.
CREATE TABLE outbox (
    id           BIGSERIAL    PRIMARY KEY,
    topic_key    VARCHAR(400) NOT NULL,
    event_id     UUID         NOT NULL,
    payload      TEXT         NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Durable work list of fan-outs (sync switched on/off, rename, resync): processed page by page, each page
-- its own transaction that also advances the cursor, so a crash resumes where it stopped and memory is
-- bounded by the page size whatever the segment's size.
CREATE TABLE fanout_job (
    id            BIGSERIAL    PRIMARY KEY,
    account_id    VARCHAR(64)  NOT NULL,
    segment_id    VARCHAR(128),
    cause         VARCHAR(32)  NOT NULL,
    first_enable  BOOLEAN      NOT NULL DEFAULT FALSE,
    cursor_email  VARCHAR(254) NOT NULL DEFAULT '',
    processed     BIGINT       NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ  NOT NULL
);
