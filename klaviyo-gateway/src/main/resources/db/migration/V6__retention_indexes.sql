-- Retention (G15): the purge finds rows past their retention by age, a bounded batch at a time, through these.
CREATE INDEX sync_run_finished ON sync_run (finished_at);
CREATE INDEX sync_row_error_at ON sync_row_error (at);
CREATE INDEX applied_batch_applied_at ON applied_batch (applied_at);
CREATE INDEX contact_ledger_removed ON contact_ledger (updated_at) WHERE NOT in_list;
