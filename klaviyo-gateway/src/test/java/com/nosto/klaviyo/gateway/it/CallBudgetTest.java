package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.domain.PlanLimits;
import com.nosto.klaviyo.gateway.domain.SyncPlan;
import com.nosto.klaviyo.gateway.domain.SyncPlanner;
import com.nosto.klaviyo.gateway.service.InboxService;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The write-call budget of G10: one batch of 25,000 entering and 3,000 leaving contacts (whose ids are not
 * cached) against the minimum Klaviyo's limits allow: 3 bulk jobs + 3 list removals + 1 unset bulk job, although the
 * window is applied in two chunks (20,000 upserts, then the rest). The batch is stored in the inbox directly, as the
 * consumer would: at ~4 MB it is larger than Kafka's default 1 MB record.
 */
@QuarkusTest
class CallBudgetTest extends GatewayTestBase {

    private static final int ENTERING = 25_000;
    private static final int LEAVING = 3_000;

    @Inject
    InboxService inbox;

    @Test
    void writeCallsFor25000EnteringAnd3000LeavingEqualTheMinimum() throws Exception {
        connect();
        String list = listId();
        List<ContactState> contacts = new ArrayList<>();
        for (int i = 0; i < LEAVING; i++) {
            // Real-world length emails (~25 chars): 100 fit one lookup within the request-line budget.
            String e = "l" + i + "@" + accountId + ".io";
            var p = klaviyo().seedProfile(e, Map.of("nosto_segment", "Old", "nosto_segments", List.of("Old")));
            klaviyo().seedMembership(list, p.id());
            contacts.add(removed(e, 2));
        }
        for (int i = 0; i < ENTERING; i++) {
            contacts.add(added(email("entering" + i), 1, "Category affinity: Whole_Bean"));
        }
        List<SyncBatch> window = List.of(batch("bench", 0, contacts), marker("bench", 1));
        int before = emulator().calls().forKey(apiKey).size();

        long start = System.nanoTime();
        inbox.store(window, window.stream().map(EventJson::write).toList()).await().atMost(Duration.ofMinutes(1));
        inbox.stored();
        awaitWindows(1);
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(5)).until(() -> connection().getInt("parkedBatches") == 0);
        long millis = (System.nanoTime() - start) / 1_000_000;

        List<Call> calls = emulator().calls().forKey(apiKey).subList(before, emulator().calls().forKey(apiKey).size());
        Map<String, Long> writes = calls.stream().filter(Call::isWrite)
                .collect(Collectors.groupingBy(Call::operationId, TreeMap::new, Collectors.counting()));
        Map<String, Long> reads = calls.stream().filter(c -> !c.isWrite())
                .collect(Collectors.groupingBy(Call::operationId, TreeMap::new, Collectors.counting()));
        long writeCount = writes.values().stream().mapToLong(Long::longValue).sum();
        int minimum = SyncPlanner.minimumWrites(ENTERING, LEAVING, PlanLimits.klaviyoDefaults());

        // The same window split by sync-worker's default release batch-size of 500 (planned, not sent).
        SyncPlanner planner = new SyncPlanner(PlanLimits.klaviyoDefaults());
        int jobsAt500 = 0;
        for (int i = 0; i < ENTERING; i += 500) {
            jobsAt500 += planner.plan(contacts.subList(LEAVING + i, LEAVING + Math.min(ENTERING, i + 500)), Map.of()).bulkChunks().size();
        }

        System.out.printf("%n=== Klaviyo write calls: %,d entering + %,d leaving (ids not cached) in one batch ===%n", ENTERING, LEAVING);
        writes.forEach((op, n) -> System.out.printf("  write %-45s %5d%n", op, n));
        reads.forEach((op, n) -> System.out.printf("  read  %-45s %5d%n", op, n));
        System.out.printf("  total writes %d, minimum %d (3 bulk jobs + 3 list removals + 1 unset bulk job); %d ms%n",
                writeCount, minimum, millis);
        System.out.printf("  note: split into sync-worker's default 500-contact batches the entering contacts would need %d bulk jobs%n%n",
                jobsAt500);

        assertThat(writes).containsEntry("bulk_import_profiles", 4L).containsEntry("remove_profiles_from_list", 3L);
        assertThat(writeCount).isEqualTo(minimum);
        assertThat(reads.get("get_profiles")).isEqualTo(LEAVING / 100);
        assertThat(reads.get("get_list")).as("the list checked once for the window, not per chunk").isEqualTo(1L);
        assertThat(klaviyo().listMemberIds(list)).hasSize(ENTERING);
        assertThat(propertiesOf("l7@" + accountId + ".io")).doesNotContainKeys("nosto_segment", "nosto_segments");
        assertThat(propertiesOf(email("entering7"))).containsEntry("nosto_segment", "Category affinity: Whole_Bean");
    }

    @Test
    void thePlanItselfNeedsNoMoreThanTheMinimum() {
        List<ContactState> contacts = new ArrayList<>();
        for (int i = 0; i < ENTERING; i++) {
            contacts.add(added("e" + i + "@x.com", 1, "A"));
        }
        SyncPlan plan = new SyncPlanner(PlanLimits.klaviyoDefaults()).plan(contacts, Map.of());
        assertThat(plan.bulkChunks()).hasSize(3);
    }
}
