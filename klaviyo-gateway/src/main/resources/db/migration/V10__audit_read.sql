-- An audit's read of the list, saved page by page so that an audit interrupted mid-read (a restart, a Klaviyo outage, a
-- lost lease) resumes from its last page instead of reading a large list again from the first. One per account; gone
-- when the audit is recorded. next_link is the cursor of the page still to read (NULL once the read is complete).
CREATE TABLE audit_read (
    account_id  VARCHAR(64)  PRIMARY KEY,
    list_id     VARCHAR(64)  NOT NULL,
    repair      BOOLEAN      NOT NULL,
    next_link   TEXT,
    pages       INT          NOT NULL,
    started_at  TIMESTAMPTZ  NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL
);

-- The members read so far, with their two properties as JSON text as Klaviyo returned them (NULL when absent).
CREATE TABLE audit_read_member (
    account_id     VARCHAR(64)  NOT NULL REFERENCES audit_read (account_id) ON DELETE CASCADE,
    profile_id     VARCHAR(64)  NOT NULL,
    email          VARCHAR(320),
    nosto_segment  TEXT,
    nosto_segments TEXT,
    PRIMARY KEY (account_id, profile_id)
);
