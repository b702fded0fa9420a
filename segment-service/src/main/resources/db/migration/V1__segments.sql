-- Segments an account has defined, with their Klaviyo sync switch.
CREATE TABLE segment (
    account_id        VARCHAR(64)  NOT NULL,
    segment_id        VARCHAR(128) NOT NULL,
    name              VARCHAR(256) NOT NULL,
    sync_enabled      BOOLEAN      NOT NULL DEFAULT FALSE,
    first_enabled_at  TIMESTAMPTZ,
    created_at        TIMESTAMPTZ  NOT NULL,
    updated_at        TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (account_id, segment_id)
);
