package com.nosto.klaviyo.gateway.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Deletes rows past their retention (G15), at most {@code limit} per call, each call one short transaction. The rows are
 * chosen with {@code FOR UPDATE SKIP LOCKED}: a replica purging at the same time takes other rows instead of waiting,
 * and a row deleted twice is simply not found again.
 */
@ApplicationScoped
public class RetentionRepository {

    private static final String SYNC_RUNS = """
            DELETE FROM {h-schema}sync_run WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM {h-schema}sync_run WHERE finished_at < :cutoff LIMIT :n FOR UPDATE SKIP LOCKED))""";

    private static final String ROW_ERRORS = """
            DELETE FROM {h-schema}sync_row_error WHERE id IN (
                SELECT id FROM {h-schema}sync_row_error WHERE at < :cutoff LIMIT :n FOR UPDATE SKIP LOCKED)""";

    /** A window still in the inbox keeps its applied rows: its end markers complete it after a restart. */
    private static final String APPLIED_BATCHES = """
            DELETE FROM {h-schema}applied_batch WHERE batch_id IN (
                SELECT a.batch_id FROM {h-schema}applied_batch a WHERE a.applied_at < :cutoff
                    AND NOT EXISTS (SELECT 1 FROM {h-schema}inbox_batch i WHERE i.account_id = a.account_id AND i.window_id = a.window_id)
                LIMIT :n FOR UPDATE OF a SKIP LOCKED)""";

    private static final String REMOVED_CONTACTS = """
            DELETE FROM {h-schema}contact_ledger WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM {h-schema}contact_ledger WHERE NOT in_list AND updated_at < :cutoff LIMIT :n FOR UPDATE SKIP LOCKED))""";

    private final Transactions tx;

    public RetentionRepository(Transactions tx) {
        this.tx = tx;
    }

    /** Sync history entries whose window finished before {@code cutoff}; returns how many went. */
    public Uni<Integer> deleteSyncRuns(Instant cutoff, int limit) {
        return delete(SYNC_RUNS, cutoff, limit);
    }

    /** Row outcomes written before {@code cutoff}. */
    public Uni<Integer> deleteRowErrors(Instant cutoff, int limit) {
        return delete(ROW_ERRORS, cutoff, limit);
    }

    /** Applied batch ids recorded before {@code cutoff}, except those of windows with batches still in the inbox. */
    public Uni<Integer> deleteAppliedBatches(Instant cutoff, int limit) {
        return delete(APPLIED_BATCHES, cutoff, limit);
    }

    /** Ledger rows of contacts not in the list, last changed before {@code cutoff}. */
    public Uni<Integer> deleteRemovedContacts(Instant cutoff, int limit) {
        return delete(REMOVED_CONTACTS, cutoff, limit);
    }

    private Uni<Integer> delete(String sql, Instant cutoff, int limit) {
        return tx.inTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery(sql)
                .setParameter("cutoff", cutoff.atOffset(ZoneOffset.UTC)).setParameter("n", limit).executeUpdate()));
    }
}
