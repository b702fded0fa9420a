package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Windows released by several source partitions, through the broker: a window waits in the inbox until its end markers
 * say it is complete, however long sync-worker pauses between partitions, and is then applied as one plan at once; a
 * window of end markers only makes no Klaviyo call; a window whose marker is late is applied at max-wait (15 s here), and
 * its rest at its own last marker.
 */
@QuarkusTest
@TestProfile(MarkedWindowTest.MaxWait.class)
class MarkedWindowTest extends GatewayTestBase {

    static final Duration MAX_WAIT = Duration.ofSeconds(15);

    public static class MaxWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.apply.max-wait", MAX_WAIT.toMillis() + "ms");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aWindowFromTwoPartitionsWithAPauseBetweenThemIsOnePlanAppliedAtItsLastMarker() {
        connect();
        int before = emulator().calls().forKey(apiKey).size();
        // 150 entering contacts: one bulk job as one plan; two plans (75 + 75, under the bulk threshold of 100) would
        // be 150 profile-imports and two list adds.
        List<SyncBatch> partition0 = List.of(batch(accountId, "w1", 0, 0, entering(0, 40)), batch(accountId, "w1", 0, 1, entering(40, 75)),
                marker(accountId, "w1", 0, 2, 2));
        List<SyncBatch> partition1 = List.of(batch(accountId, "w1", 1, 0, entering(75, 150)), marker(accountId, "w1", 1, 1, 2));

        partition0.forEach(this::publish);
        // sync-worker pausing mid-release: nothing is applied meanwhile.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                .untilAsserted(() -> assertThat(emulator().calls().forKey(apiKey)).hasSize(before));
        partition1.forEach(this::publish);
        Instant lastMarker = Instant.now();

        await().atMost(WAIT).untilAsserted(() -> assertThat(appliedBatches()).isEqualTo(5));
        List<Call> calls = List.copyOf(emulator().calls().forKey(apiKey).subList(before, emulator().calls().forKey(apiKey).size()));
        Map<String, Long> byOperation = calls.stream()
                .collect(Collectors.groupingBy(Call::operationId, TreeMap::new, Collectors.counting()));
        assertThat(byOperation).containsEntry("bulk_import_profiles", 1L).containsEntry("get_list", 1L)
                .doesNotContainKeys("create_or_update_profile", "add_profiles_to_list");
        assertThat(Duration.between(lastMarker, calls.get(0).at()))
                .as("first Klaviyo call after the last marker: at once, not at max-wait")
                .isLessThan(MAX_WAIT.minusSeconds(9));
        assertThat(members()).hasSize(150);
        var runs = syncRuns();
        assertThat(runs.getList("windowId", String.class)).containsExactly("w1");
        assertThat(runs.getInt("[0].added")).isEqualTo(150);
        assertThat(runs.getInt("[0].batches")).as("contact batches and end markers").isEqualTo(5);
    }

    @Test
    void aWindowOfEndMarkersOnlyMakesNoKlaviyoCallAndNoSyncRunAndIsRecordedAsApplied() {
        connect();
        int before = emulator().calls().forKey(apiKey).size();
        // A first-enable window whose contacts the regular window took: each partition sends only its marker.
        List<SyncBatch> markers = List.of(marker(accountId, "fe", 0, 0, 2), marker(accountId, "fe", 1, 0, 2));

        markers.forEach(this::publish);

        List<String> ids = markers.stream().map(SyncBatch::batchId).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(appliedAmong(ids)).containsExactlyInAnyOrderElementsOf(ids));
        assertThat(emulator().calls().forKey(apiKey)).hasSize(before);
        assertThat(syncRuns().getList("windowId", String.class)).isEmpty();
        assertThat(connection().getInt("parkedBatches")).isZero();

        // A later window with contacts is applied and listed; the markers-only window still is not.
        publishWindow("w2", entering(0, 1));
        awaitWindows(1);
        assertThat(syncRuns().getList("windowId", String.class)).containsExactly("w2");
    }

    @Test
    void aNewerWindowAppliedBeforeAnOlderOneStillLeavesAMovedContactInTheList() {
        connect();
        String x = email("x");
        // The older window: the contact enters (v1); one of its two partitions' markers is late.
        List<SyncBatch> older = List.of(batch(accountId, "w1", 0, 0, List.of(added(x, 1, "A"))), marker(accountId, "w1", 0, 1, 2));
        older.forEach(this::publish);
        // The newer window, complete at once: the contact moved (v2), which sync-worker states relative to w1.
        publishWindow("w2", List.of(moved(x, 2, "A", "B")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(syncRuns().getList("windowId", String.class)).containsExactly("w2"));
        // Then the older window completes; its ADDED is stale by now and skipped.
        SyncBatch lateMarker = marker(accountId, "w1", 1, 0, 2);
        publish(lateMarker);
        List<String> ids = List.of(older.get(0).batchId(), older.get(1).batchId(), lateMarker.batchId());
        await().atMost(WAIT).untilAsserted(() -> assertThat(appliedAmong(ids)).containsExactlyInAnyOrderElementsOf(ids));

        // Applied out of order, the contact is still a member with the newest properties (CrashE2ETest once found
        // "properties set, not listed" here: the move made no list call and the add was stale).
        assertThat(members()).contains(x);
        assertThat(propertiesOf(x)).containsEntry("nosto_segment", "B");
    }

    @Test
    void theRestOfAWindowAppliedInPartsIsAppliedAtItsLastMarker() {
        connect();
        // Partitions 0 and 1 of a 3-partition window; partition 2 is late: they are applied as one part at max-wait.
        List<SyncBatch> firstPart = List.of(batch(accountId, "w1", 0, 0, entering(0, 3)), marker(accountId, "w1", 0, 1, 3),
                marker(accountId, "w1", 1, 0, 3));
        firstPart.forEach(this::publish);
        List<String> firstIds = firstPart.stream().map(SyncBatch::batchId).toList();
        await().atMost(MAX_WAIT.plus(WAIT)).untilAsserted(() -> assertThat(appliedAmong(firstIds)).containsExactlyInAnyOrderElementsOf(firstIds));
        int before = emulator().calls().forKey(apiKey).size();

        // The rest: partition 2's contacts and its marker.
        List<SyncBatch> rest = List.of(batch(accountId, "w1", 2, 0, entering(3, 5)), marker(accountId, "w1", 2, 1, 3));
        rest.forEach(this::publish);
        Instant lastMarker = Instant.now();

        List<String> ids = rest.stream().map(SyncBatch::batchId).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(appliedAmong(ids)).containsExactlyInAnyOrderElementsOf(ids));
        List<Call> calls = emulator().calls().forKey(apiKey);
        assertThat(calls.size()).as("the rest made Klaviyo calls").isGreaterThan(before);
        assertThat(Duration.between(lastMarker, calls.get(before).at()))
                .as("first call of the rest: at its marker (the applied markers count), not after another max-wait")
                .isLessThan(MAX_WAIT.minusSeconds(9));
        assertThat(members()).hasSize(5);
        assertThat(syncRuns().getInt("[0].batches")).as("one sync run for the window, both parts counted").isEqualTo(5);
    }

    @Test
    void endMarkersOfAnAccountThatIsNotConnectedAreRecordedNotParked() {
        List<SyncBatch> markers = List.of(marker(accountId, "fe", 0, 0, 2), marker(accountId, "fe", 1, 0, 2));

        markers.forEach(this::publish);

        List<String> ids = markers.stream().map(SyncBatch::batchId).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(appliedAmong(ids)).containsExactlyInAnyOrderElementsOf(ids));
        assertThat(connection().getInt("parkedBatches")).isZero();
    }

    private List<ContactState> entering(int from, int to) {
        List<ContactState> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(added(email("c" + i), 1, "A"));
        }
        return out;
    }
}
