-- The per-change outbox was only for instances of a version that never shipped: every change is in outbox_tx.
-- Its id sequence, which outbox_tx shares, moves to outbox_tx before the table goes.
ALTER SEQUENCE outbox_id_seq OWNED BY outbox_tx.id;
DROP TABLE outbox;

-- Members per segment (defined or not), kept by the statement that writes a transaction's memberships, so listing an
-- account's segments reads a row per segment instead of counting every membership on each call.
CREATE TABLE segment_member_count (
    account_id  VARCHAR(64)  NOT NULL,
    segment_id  VARCHAR(128) NOT NULL,
    members     BIGINT       NOT NULL,
    PRIMARY KEY (account_id, segment_id)
);
INSERT INTO segment_member_count (account_id, segment_id, members)
SELECT account_id, segment_id, count(*) FROM membership GROUP BY account_id, segment_id;

-- A fan-out runner claims an account's oldest job only (its jobs run in order): found by account, then id.
CREATE INDEX fanout_job_by_account ON fanout_job (account_id, id);
