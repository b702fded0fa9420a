-- Retention (G15): the purge finds contacts deleted in Nosto with nothing left to release by the time of their last
-- change, a bounded batch at a time.
CREATE INDEX contact_ledger_deleted ON contact_ledger (updated_at) WHERE desired_deleted AND NOT pending;
