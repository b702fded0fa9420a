-- Re-encryption under the active key-encryption key finds the rows still sealed under another KEK through this.
CREATE INDEX klaviyo_connection_key_id ON klaviyo_connection (key_id);

-- The Klaviyo account the connection's key reaches (get_accounts), learnt at connect.
ALTER TABLE klaviyo_connection ADD COLUMN klaviyo_account_id VARCHAR(64);

-- The Klaviyo account the ledger's applied versions and profile ids belong to. It outlives a disconnect, so a later
-- connect with a key of another Klaviyo account finds the ledger is not that account's and clears it.
CREATE TABLE ledger_klaviyo_account (
    account_id         VARCHAR(64) PRIMARY KEY,
    klaviyo_account_id VARCHAR(64) NOT NULL,
    bound_at           TIMESTAMPTZ NOT NULL
);

-- An operator's "where is this contact?" reads the contact's newest row outcome.
CREATE INDEX sync_row_error_email ON sync_row_error (account_id, email, at);
