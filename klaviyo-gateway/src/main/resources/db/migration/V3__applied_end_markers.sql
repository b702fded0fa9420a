-- End markers applied: which source partitions of a window have ended, and of how many. The grouper keeps them in
-- memory; these columns let a restarted gateway (or one a partition was moved to) know them too, so the rest of a
-- window that was applied in parts before the restart completes at its own last marker instead of waiting for the
-- incomplete-quiet fallback. Null for contact batches and for rows written before V3.
ALTER TABLE applied_batch ADD COLUMN source_partition INT;
ALTER TABLE applied_batch ADD COLUMN window_partitions INT;
CREATE INDEX applied_batch_window_markers ON applied_batch (account_id, window_id) WHERE window_partitions IS NOT NULL;
