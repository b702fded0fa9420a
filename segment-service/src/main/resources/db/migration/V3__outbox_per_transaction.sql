-- One outbox row per transaction instead of one per change (issue 9: the per-change row, inserted and
-- deleted again, was 2 of the 3.4 rows PostgreSQL wrote per segment event). keys[i] and payloads[i] are
-- one change; a row's changes are published in array order. Ids come from the same sequence as the
-- per-change table, taken after the contact locks are held, so id order is still commit order for one
-- contact across both tables: the relay publishes the two tables merged by id. The per-change table stays
-- for rows written by instances of an earlier version during a rolling upgrade; its relay keeps reading it.
CREATE TABLE outbox_tx (
    id           BIGINT       PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
    keys         TEXT[]       NOT NULL,
    payloads     TEXT[]       NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CHECK (cardinality(keys) = cardinality(payloads) AND cardinality(keys) > 0)
);
