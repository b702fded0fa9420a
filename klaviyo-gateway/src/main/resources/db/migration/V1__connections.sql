-- One Klaviyo connection per account: the private key encrypted at rest (G12) and the list id (G1).
CREATE TABLE klaviyo_connection (
    account_id     VARCHAR(64) PRIMARY KEY,
    key_id         VARCHAR(64)  NOT NULL,
    encrypted_key  BYTEA        NOT NULL,
    key_last4      VARCHAR(4)   NOT NULL,
    list_id        VARCHAR(64),
    list_name      VARCHAR(256) NOT NULL,
    status         VARCHAR(32)  NOT NULL,
    connected_at   TIMESTAMPTZ  NOT NULL,
    updated_at     TIMESTAMPTZ  NOT NULL
);
