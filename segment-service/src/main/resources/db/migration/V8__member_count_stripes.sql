-- Member counts in stripes. Every ingest transaction that changes membership moves its segments' counts; with one row
-- per segment, two replicas' transactions of the same account queued on those rows' locks from the count update to
-- their commit (figure 10 sampled it: the ingest statement waiting on a transaction lock). Each transaction now adds
-- its deltas to one of 16 stripes chosen at random, and a segment's count is the sum of its stripes. Existing counts
-- become stripe 0.
ALTER TABLE segment_member_count ADD COLUMN stripe SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE segment_member_count DROP CONSTRAINT segment_member_count_pkey;
ALTER TABLE segment_member_count ADD PRIMARY KEY (account_id, segment_id, stripe);
ALTER TABLE segment_member_count ALTER COLUMN stripe DROP DEFAULT;
