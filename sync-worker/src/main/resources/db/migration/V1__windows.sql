-- Per-account release schedule; the next window is computed from here, not from process start (G6).
CREATE TABLE account_window (
    account_id            VARCHAR(64) PRIMARY KEY,
    last_regular_release  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL
);
