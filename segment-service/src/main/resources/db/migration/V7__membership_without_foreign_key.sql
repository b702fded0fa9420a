-- membership → contact had a foreign key (ON DELETE CASCADE). Its check ran once per inserted membership row, a
-- row-locking lookup of the contact, at the end of the ingest statement: measured on PostgreSQL 15 it more than
-- doubled the cost of inserting memberships (200,000 rows: 8.1 s with it, 3.3 s without), and inserting memberships
-- is most of the ingest statement. Every write of both tables is the one ingest statement (IngestRepository), which
-- writes a contact's memberships only while the contact exists and deletes them with it explicitly (IngestBatch),
-- under the contact's lock; MembershipTransitionsTest checks that a deleted contact leaves no membership row.
ALTER TABLE membership DROP CONSTRAINT membership_account_id_email_fkey;
