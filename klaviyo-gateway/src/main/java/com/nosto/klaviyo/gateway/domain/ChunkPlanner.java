package com.nosto.klaviyo.gateway.domain;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts a window into chunks (pure). A chunk is what one account applies in one turn: at most {@code upsertQuota}
 * entering or staying contacts (two bulk jobs by default) and {@code leaveQuota} leaving ones (one unset job), so a
 * window of a million contacts never holds a slot, or the heap, for long. The window's batches are read from the inbox
 * in arrival order until one quota is reached ({@link #full}); their contacts are merged (the highest version per email
 * wins), checked against the ledger and planned together.
 *
 * <p>The chunk applies only <b>full calls</b> unless it ends the window: upserts in whole bulk jobs and leaving
 * contacts in whole unset jobs; the rest is <b>deferred</b>, left in its batch for the next chunk. So a window costs the
 * same write calls in chunks as planned whole (a partly filled job or list removal only at its end). Contacts whose
 * state is stale, superseded or invalid are done at once (they cost no call).
 */
public final class ChunkPlanner {

    /** A batch waiting in the inbox; its {@code contacts} are those still to apply. */
    public record Row(String batchId, SyncBatch batch) {
    }

    /**
     * One chunk.
     *
     * @param plan      the calls to make
     * @param remaining per batch id, the contacts deferred to a later chunk (absent: the batch is done)
     * @param batchOf   per email (normalised, or as sent when invalid), the batch that carried its state (row outcomes)
     */
    public record Chunk(SyncPlan plan, Map<String, List<ContactState>> remaining, Map<String, String> batchOf) {

        public boolean done(String batchId) {
            return !remaining.containsKey(batchId);
        }
    }

    private final SyncPlanner planner;
    private final int upsertQuota;
    private final int leaveQuota;
    private final int upsertUnit;

    /**
     * @param chunkContacts entering/staying contacts per chunk ({@code gateway.apply.chunk-contacts})
     * @param limits        Klaviyo's caps: a bulk job's profiles are the unit of upserts, and of leaving contacts (one
     *                      unset job), each at most {@code chunkContacts}
     */
    public ChunkPlanner(PlanLimits limits, int chunkContacts) {
        if (chunkContacts < 1) {
            throw new IllegalArgumentException("chunk-contacts must be at least 1");
        }
        this.planner = new SyncPlanner(limits);
        this.upsertQuota = chunkContacts;
        this.upsertUnit = Math.min(limits.bulkMaxProfiles(), chunkContacts);
        this.leaveQuota = Math.min(limits.bulkMaxProfiles(), chunkContacts);
    }

    /** True once the batches read hold enough for a chunk: stop reading the window. */
    public boolean full(List<Row> rows) {
        int upserts = 0;
        int leaving = 0;
        for (Row r : rows) {
            for (ContactState c : r.batch().contacts()) {
                if (c.inList()) {
                    upserts++;
                } else {
                    leaving++;
                }
            }
        }
        return upserts >= upsertQuota || leaving >= leaveQuota;
    }

    /**
     * Plans a chunk from the batches read.
     *
     * @param ledger       the ledger entries of their contacts (normalised email → entry)
     * @param endsWindow   these are all the window's batches still waiting: everything is applied
     * @param windowInParts the window had a part applied before this one (its remainder goes in bulk, as a whole
     *                     window's would have)
     */
    public Chunk plan(List<Row> rows, Map<String, LedgerEntry> ledger, boolean endsWindow, boolean windowInParts) {
        List<ContactState> contacts = new ArrayList<>();
        Map<String, String> batchOf = new HashMap<>();
        Map<String, ContactState> winner = new HashMap<>();
        Map<ContactState, String> rowOf = new IdentityHashMap<>();
        for (Row r : rows) {
            for (ContactState c : r.batch().contacts()) {
                contacts.add(c);
                rowOf.put(c, r.batchId());
                batchOf.putIfAbsent(c.email() == null ? "" : c.email(), r.batchId());
                String email = ContactKey.normaliseEmail(c.email());
                if (email != null && !email.isEmpty()) {
                    ContactState previous = winner.get(email);
                    if (previous == null || previous.version() < c.version()) {
                        winner.put(email, c);
                        batchOf.put(email, r.batchId());
                    }
                }
            }
        }
        SyncPlanner.Decisions d = planner.decide(contacts, ledger);
        List<SyncPlan.Upsert> upserts = d.upserts();
        List<SyncPlan.Leave> leaving = d.leaving();
        List<ContactState> deferred = new ArrayList<>();
        if (!endsWindow) {
            int keepUpserts = Math.min(upsertQuota, upserts.size() / upsertUnit * upsertUnit);
            int keepLeaving = Math.min(leaveQuota, leaving.size() / leaveQuota * leaveQuota);
            upserts.subList(keepUpserts, upserts.size()).forEach(u -> deferred.add(winner.get(u.email())));
            leaving.subList(keepLeaving, leaving.size()).forEach(l -> deferred.add(winner.get(l.email())));
            upserts = List.copyOf(upserts.subList(0, keepUpserts));
            leaving = List.copyOf(leaving.subList(0, keepLeaving));
        }
        SyncPlan plan = planner.shape(upserts, leaving, d.skipped(), d.invalid(), windowInParts || !endsWindow);
        return new Chunk(plan, remaining(rows, deferred, rowOf), batchOf);
    }

    /** The deferred contacts of each batch, in the batch's order. */
    private static Map<String, List<ContactState>> remaining(List<Row> rows, List<ContactState> deferred,
            Map<ContactState, String> rowOf) {
        Set<ContactState> later = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        later.addAll(deferred);
        Map<String, List<ContactState>> out = new LinkedHashMap<>();
        for (Row r : rows) {
            for (ContactState c : r.batch().contacts()) {
                if (later.contains(c) && r.batchId().equals(rowOf.get(c))) {
                    out.computeIfAbsent(r.batchId(), k -> new ArrayList<>()).add(c);
                }
            }
        }
        return out;
    }
}
