-- The inbox: every valid batch as received, until its contacts are applied (then it moves to applied_batch). The
-- consumer stores a poll's batches in one transaction and acknowledges the poll; nothing waits in memory. A batch
-- applied in part keeps only its contacts still to apply (payload rewritten, contacts counted down), so a restart
-- resumes where the last chunk ended. An account without a working connection keeps its batches here.
CREATE TABLE inbox_batch (
    arrival           BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    batch_id          VARCHAR(512) PRIMARY KEY,
    account_id        VARCHAR(64)  NOT NULL,
    window_id         VARCHAR(512) NOT NULL,
    window_kind       VARCHAR(32),
    window_end        TIMESTAMPTZ,
    sequence          INT          NOT NULL,
    source_partition  INT,
    ends_partition    BOOLEAN      NOT NULL,
    window_partitions INT,
    contacts          INT          NOT NULL,
    payload           TEXT         NOT NULL,
    received_at       TIMESTAMPTZ  NOT NULL
);
-- A window's batches in arrival order (the chunk reader), and an account's windows (readiness, counts).
CREATE INDEX inbox_batch_window ON inbox_batch (account_id, window_id, arrival);
-- The purge of accounts without a working connection looks by age.
CREATE INDEX inbox_batch_received ON inbox_batch (received_at);

-- One row per account with work: the lease (one replica applies an account at a time, across all replicas), the
-- account's Klaviyo pacing state (saved when the lease is renewed or released, loaded when it is taken), and its
-- place in the queue: not_before (when to look at it again; '-infinity' = now), turn_ended_at (the least recently
-- served goes first), and why it waits. woken_at > taken_at: batches arrived during the holder's turn, so giving the
-- lease back must not postpone the account.
CREATE TABLE account_lease (
    account_id     VARCHAR(64)  PRIMARY KEY,
    holder         VARCHAR(128),
    expires_at     TIMESTAMPTZ,
    taken_at       TIMESTAMPTZ,
    woken_at       TIMESTAMPTZ,
    pacer_state    TEXT,
    not_before     TIMESTAMPTZ  NOT NULL DEFAULT '-infinity',
    turn_ended_at  TIMESTAMPTZ,
    waiting_kind   VARCHAR(32),
    waiting_reason VARCHAR(1024),
    failures       INT          NOT NULL DEFAULT 0
);
CREATE INDEX account_lease_due ON account_lease (not_before);

-- What parked_batch held moves to the inbox: the same batches, waiting the same way.
INSERT INTO inbox_batch (batch_id, account_id, window_id, window_kind, window_end, sequence, source_partition, ends_partition,
                         window_partitions, contacts, payload, received_at)
SELECT p.batch_id, p.account_id, j->>'windowId', j->>'windowKind', (j->>'windowEnd')::timestamptz, p.sequence,
       (j->>'sourcePartition')::int,
       coalesce((j->>'last')::boolean AND (j->>'sourcePartition')::int >= 0 AND (j->>'windowPartitions')::int > 0, false),
       (j->>'windowPartitions')::int, coalesce(jsonb_array_length(j->'contacts'), 0), p.payload, p.parked_at
FROM (SELECT parked_batch.*, payload::jsonb AS j FROM parked_batch) p
ORDER BY p.parked_at, p.sequence
ON CONFLICT (batch_id) DO NOTHING;
INSERT INTO account_lease (account_id) SELECT DISTINCT account_id FROM inbox_batch ON CONFLICT (account_id) DO NOTHING;
DROP TABLE parked_batch;
