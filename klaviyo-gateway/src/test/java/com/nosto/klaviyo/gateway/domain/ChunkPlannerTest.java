package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChunkPlannerTest {

    /** Klaviyo's caps divided by 100 (bulk jobs of 100, list calls of 10), as the benchmark's tiny scale. */
    private static final PlanLimits LIMITS = new PlanLimits(1, 1, 100, 5_000_000, 10, 1);

    private static ContactState in(int i) {
        return new ContactState("c" + i + "@x.com", true, "A", List.of("A"), 1, ChangeType.ADDED);
    }

    private static ContactState out(int i) {
        return new ContactState("c" + i + "@x.com", false, null, List.of(), 1, ChangeType.REMOVED);
    }

    private static ChunkPlanner.Row row(int sequence, List<ContactState> contacts) {
        return new ChunkPlanner.Row("w/0/" + sequence, SyncBatch.contacts("w/0/" + sequence, "acme", "w", WindowKind.REGULAR, sequence,
                Instant.EPOCH, Instant.EPOCH, contacts, 0));
    }

    /** Contacts in batches of 50: 3 entering for each leaving one. */
    private static List<ChunkPlanner.Row> window(int contacts) {
        List<ChunkPlanner.Row> rows = new ArrayList<>();
        List<ContactState> batch = new ArrayList<>();
        for (int i = 0; i < contacts; i++) {
            batch.add(i % 4 == 3 ? out(i) : in(i));
            if (batch.size() == 50) {
                rows.add(row(rows.size(), batch));
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            rows.add(row(rows.size(), batch));
        }
        return rows;
    }

    @Test
    void aChunkStopsAtItsQuotaAndAppliesOnlyFullCallsDeferringTheRest() {
        ChunkPlanner planner = new ChunkPlanner(LIMITS, 200);
        List<ChunkPlanner.Row> rows = window(300);
        List<ChunkPlanner.Row> read = new ArrayList<>();
        for (ChunkPlanner.Row r : rows) {
            read.add(r);
            if (planner.full(read)) {
                break;
            }
        }
        assertThat(read).as("200 entering contacts are in the first 267 or so").hasSize(6);

        ChunkPlanner.Chunk chunk = planner.plan(read, Map.of(), false, false);

        assertThat(chunk.plan().upsertCount()).as("two full bulk jobs").isEqualTo(200);
        assertThat(chunk.plan().bulkChunks()).hasSize(2);
        assertThat(chunk.plan().leaving()).as("75 leaving < one unset job of 100: all deferred").isEmpty();
        int deferred = chunk.remaining().values().stream().mapToInt(List::size).sum();
        assertThat(deferred).isEqualTo(300 - 200 - 0);
        assertThat(chunk.done("w/0/0")).as("a batch whose leaving contacts wait is not done").isFalse();
    }

    @Test
    void aWindowInChunksCostsTheSameWriteCallsAsPlannedWhole() {
        int contacts = 1_450;
        int[] counts = applyInChunks(window(contacts));
        int upserts = counts[0];
        int leaving = counts[1];
        assertThat(upserts).isEqualTo(1_088);
        assertThat(leaving).isEqualTo(contacts - upserts);
        assertThat(counts[2]).as("writes in %d chunks", counts[3]).isEqualTo(SyncPlanner.minimumWrites(upserts, leaving, LIMITS));
        assertThat(counts[3]).isGreaterThan(5);
    }

    /**
     * The benchmark's window at its tiny scale (caps and chunk-contacts ÷100: 1,000 entering, 200 moving, 200 leaving, 50
     * deleted, in sync-worker's batches of 5, shuffled as partitions interleave them): 40 writes, the minimum, as at full
     * size (docs/performance.md, figure 2).
     */
    @Test
    void theBenchmarksWindowCostsTheMinimumFortyWritesInChunks() {
        List<ContactState> all = new ArrayList<>();
        for (int i = 0; i < 1_450; i++) {
            all.add(i < 1_200 ? in(i) : out(i));
        }
        java.util.Collections.shuffle(all, new java.util.Random(42));
        List<ChunkPlanner.Row> rows = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 5) {
            rows.add(row(rows.size(), all.subList(i, i + 5)));
        }
        int[] counts = applyInChunks(rows);
        assertThat(counts[0]).isEqualTo(1_200);
        assertThat(counts[1]).isEqualTo(250);
        assertThat(counts[2]).as("writes in %d chunks", counts[3]).isEqualTo(40);
    }

    /** Applies a window chunk by chunk as the gateway does; returns {upserts, leaving, writes, chunks}. */
    private static int[] applyInChunks(List<ChunkPlanner.Row> window) {
        ChunkPlanner planner = new ChunkPlanner(LIMITS, 200);
        List<ChunkPlanner.Row> inbox = window;
        Map<String, LedgerEntry> ledger = new HashMap<>();
        int upserts = 0;
        int leaving = 0;
        int bulkJobs = 0;
        int listRemovals = 0;
        int unsetJobs = 0;
        int chunks = 0;
        while (!inbox.isEmpty()) {
            List<ChunkPlanner.Row> read = new ArrayList<>();
            for (ChunkPlanner.Row r : inbox) {
                read.add(r);
                if (planner.full(read)) {
                    break;
                }
            }
            boolean ends = read.size() == inbox.size();
            ChunkPlanner.Chunk chunk = planner.plan(read, ledger, ends, chunks > 0);
            chunks++;
            SyncPlan plan = chunk.plan();
            upserts += plan.upsertCount();
            leaving += plan.leaving().size();
            bulkJobs += plan.bulkChunks().size() + plan.smallUpserts().size();
            listRemovals += (plan.leaving().size() + LIMITS.listChunk() - 1) / LIMITS.listChunk();
            unsetJobs += (plan.leaving().size() + LIMITS.bulkMaxProfiles() - 1) / LIMITS.bulkMaxProfiles();
            plan.bulkChunks().forEach(c -> c.forEach(u -> ledger.put(u.email(), new LedgerEntry(u.email(), u.version(), null, true))));
            plan.leaving().forEach(l -> ledger.put(l.email(), new LedgerEntry(l.email(), l.version(), null, false)));
            // What is left of each batch goes back to the inbox, in its place.
            List<ChunkPlanner.Row> next = new ArrayList<>();
            for (ChunkPlanner.Row r : read) {
                List<ContactState> left = chunk.remaining().get(r.batchId());
                if (left != null) {
                    next.add(new ChunkPlanner.Row(r.batchId(), SyncBatch.contacts(r.batchId(), "acme", "w", WindowKind.REGULAR, 0,
                            Instant.EPOCH, Instant.EPOCH, left, 0)));
                }
            }
            next.addAll(inbox.subList(read.size(), inbox.size()));
            inbox = next;
            assertThat(chunks).as("progress in every chunk").isLessThan(1000);
        }
        return new int[] {upserts, leaving, bulkJobs + listRemovals + unsetJobs, chunks};
    }

    @Test
    void theLastChunkOfAWindowAppliesEverythingLeft() {
        ChunkPlanner planner = new ChunkPlanner(LIMITS, 200);
        ChunkPlanner.Chunk chunk = planner.plan(window(30), Map.of(), true, false);
        assertThat(chunk.plan().upsertCount() + chunk.plan().leaving().size()).isEqualTo(30);
        assertThat(chunk.remaining()).isEmpty();
    }

    @Test
    void staleAndSupersededContactsAreDoneAtOnceNeverDeferred() {
        ChunkPlanner planner = new ChunkPlanner(LIMITS, 200);
        List<ContactState> contacts = List.of(in(1), new ContactState("c1@x.com", true, "B", List.of("B"), 2, ChangeType.MOVED), in(2));
        Map<String, LedgerEntry> ledger = Map.of("c2@x.com", new LedgerEntry("c2@x.com", 1, null, true));
        ChunkPlanner.Chunk chunk = planner.plan(List.of(row(0, contacts)), ledger, false, false);
        assertThat(chunk.plan().skipped()).extracting(SyncPlan.Skip::email).containsExactlyInAnyOrder("c1@x.com", "c2@x.com");
        assertThat(chunk.remaining().get("w/0/0")).as("only the newest state of c1 waits for a full job")
                .singleElement().satisfies(c -> assertThat(c.version()).isEqualTo(2));
    }
}
