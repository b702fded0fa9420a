package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.domain.PlanLimits;
import com.nosto.klaviyo.gateway.domain.SyncPlan;
import com.nosto.klaviyo.gateway.domain.SyncPlanner;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A window released by sync-worker as many small batches (here 25 of 40 contacts, through the real broker)
 * costs what the same window costs as one batch: the minimum write calls Klaviyo's caps allow, one list
 * check; and replaying all 25 batches writes nothing.
 */
@QuarkusTest
class WindowGroupingTest extends GatewayTestBase {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int BATCHES = 25;
    private static final int ENTERING = 600;
    private static final int MOVING = 150;
    private static final int LEAVING = 200;
    private static final int DELETED = 50;

    @Test
    void aWindowReleasedAs25BatchesCostsTheMinimumWriteCallsAndItsReplayWritesNothing() {
        connect();
        String list = listId();
        List<ContactState> window = new ArrayList<>();
        for (int i = 0; i < MOVING + LEAVING + DELETED; i++) {
            // Members from an earlier window whose ids the gateway never learnt (seeded in Klaviyo directly).
            var p = klaviyo().seedProfile(email("old" + i), Map.of("nosto_segment", "A", "nosto_segments", List.of("A")));
            klaviyo().seedMembership(list, p.id());
            window.add(i < MOVING ? moved(email("old" + i), 2, "A", "B")
                    : i < MOVING + LEAVING ? removed(email("old" + i), 2) : deleted(email("old" + i), 2));
        }
        for (int i = 0; i < ENTERING; i++) {
            window.add(added(email("new" + i), 1, "B"));
        }
        // Interleaved like sync-worker's pages: every batch carries some of each kind.
        List<List<ContactState>> parts = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            parts.add(new ArrayList<>());
        }
        for (int i = 0; i < window.size(); i++) {
            parts.get(i % BATCHES).add(window.get(i));
        }
        List<SyncBatch> batches = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            batches.add(batch("w1", b, parts.get(b)));
        }
        batches.add(marker("w1", BATCHES));
        int before = emulator().calls().forKey(apiKey).size();

        batches.forEach(this::publish);

        await().atMost(WAIT).untilAsserted(() -> assertThat(appliedBatches()).isEqualTo(BATCHES + 1));
        List<Call> calls = List.copyOf(emulator().calls().forKey(apiKey).subList(before, emulator().calls().forKey(apiKey).size()));
        Map<String, Long> byOperation = calls.stream()
                .collect(Collectors.groupingBy(Call::operationId, TreeMap::new, Collectors.counting()));
        long writes = calls.stream().filter(Call::isWrite).count();
        PlanLimits limits = PlanLimits.klaviyoDefaults();
        int minimum = SyncPlanner.minimumWrites(ENTERING + MOVING, LEAVING + DELETED, limits);
        int perBatchPlanned = perBatchWrites(parts, limits);

        System.out.printf("%n=== One window (%d entering, %d moving, %d leaving, %d deleted) as %d batches ===%n",
                ENTERING, MOVING, LEAVING, DELETED, BATCHES);
        byOperation.forEach((op, n) -> System.out.printf("  %-5s %-45s %5d%n",
                calls.stream().filter(c -> c.operationId().equals(op)).findFirst().orElseThrow().isWrite() ? "write" : "read", op, n));
        System.out.printf("  total writes %d, minimum %d; planned batch by batch (before) at least %d%n%n", writes, minimum,
                perBatchPlanned);

        assertThat(minimum).isEqualTo(3); // 1 upsert job + 1 list removal + 1 unset job
        assertThat(writes).isEqualTo(minimum);
        assertThat(byOperation).containsEntry("bulk_import_profiles", 2L).containsEntry("remove_profiles_from_list", 1L)
                .containsEntry("get_list", 1L).doesNotContainKeys("create_or_update_profile", "update_profile",
                        "add_profiles_to_list");
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).isLessThan(400));
        assertThat(klaviyo().listMemberEmails(list)).hasSize(ENTERING + MOVING);
        assertThat(propertiesOf(email("old0"))).containsEntry("nosto_segment", "B").containsEntry("nosto_segments", List.of("A", "B"));
        assertThat(propertiesOf(email("old" + MOVING))).doesNotContainKeys("nosto_segment", "nosto_segments");
        assertThat(propertiesOf(email("new7"))).containsEntry("nosto_segment", "B");

        // One sync run for the window, with every batch and every contact counted.
        var runs = syncRuns();
        assertThat(runs.getList("windowId", String.class)).containsExactly("w1");
        assertThat(runs.getInt("[0].batches")).as("its batches and end marker").isEqualTo(BATCHES + 1);
        assertThat(runs.getInt("[0].added")).isEqualTo(ENTERING);
        assertThat(runs.getInt("[0].moved")).isEqualTo(MOVING);
        assertThat(runs.getInt("[0].removed")).isEqualTo(LEAVING);
        assertThat(runs.getInt("[0].deleted")).isEqualTo(DELETED);
        assertThat(runs.getInt("[0].klaviyoWrites")).isEqualTo(minimum);

        // Replay: every batch again, then a window proving they were consumed (a stale state: skipped, no write, but
        // a sync run; a window without contacts would add none). No write for the replay.
        long writesBefore = writeCalls();
        batches.forEach(this::publish);
        publishWindow("w2", List.of(added(email("new7"), 1, "B")));
        awaitWindows(2);
        assertThat(writeCalls()).isEqualTo(writesBefore);
        assertThat(syncRuns().getInt("find { it.windowId == 'w1' }.batches")).as("its batches and end marker, once").isEqualTo(BATCHES + 1);
    }

    @Test
    void aRowErrorInAMergedWindowIsRecordedUnderTheBatchThatCarriedTheContact() {
        connect();
        String bad = "not-an-email";
        List<SyncBatch> batches = publishWindow("w1", List.of(added(email("a"), 1, "A")),
                List.of(added(bad, 1, "A"), added(email("b"), 1, "A")), List.of(added(email("c"), 1, "A")));

        await().atMost(WAIT).untilAsserted(() -> assertThat(appliedBatches()).isEqualTo(4));
        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b"), email("c"));
        var runs = syncRuns();
        assertThat(runs.getInt("[0].failed")).isEqualTo(1);
        assertThat(runs.getList("[0].errors.email", String.class)).containsExactly(bad);
        assertThat(runs.getList("[0].errors.batchId", String.class)).containsExactly(batches.get(1).batchId());
        // Three small upserts and one list add for the three entering contacts: one window, one list add.
        assertThat(emulator().calls().forKey(apiKey).stream().filter(c -> "add_profiles_to_list".equals(c.operationId())))
                .hasSize(1);
    }

    /** Write calls the same batches would need planned one by one (the gateway before it grouped windows). */
    private static int perBatchWrites(List<List<ContactState>> parts, PlanLimits limits) {
        SyncPlanner planner = new SyncPlanner(limits);
        int writes = 0;
        for (List<ContactState> part : parts) {
            SyncPlan plan = planner.plan(part, Map.of());
            writes += plan.bulkChunks().size();
            // profile-import per small upsert, plus one list add for the entering ones
            writes += plan.smallUpserts().size() + (plan.smallUpserts().stream().anyMatch(SyncPlan.Upsert::needsListAdd) ? 1 : 0);
            int leaving = plan.leaving().size();
            if (leaving > 0) {
                writes += (leaving + limits.listChunk() - 1) / limits.listChunk();
                writes += leaving >= limits.unsetBulkThreshold() ? (leaving + limits.bulkMaxProfiles() - 1) / limits.bulkMaxProfiles()
                        : leaving;
            }
        }
        return writes;
    }
}
