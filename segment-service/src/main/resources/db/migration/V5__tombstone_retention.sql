-- Retention (G15): the purge finds tombstones past their retention by deletion time, a bounded batch at a time.
CREATE INDEX contact_tombstone_deleted_at ON contact_tombstone (deleted_at);
