package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import com.nosto.klaviyo.gateway.service.BatchApplier;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Batches of the current producer (with source partition and end markers), through the broker, with a quiet
 * period (6 s) far above the tests' usual one: a window released by two partitions with a pause longer than the
 * quiet period between them is still applied as ONE plan, and as soon as its last end marker arrives, not a quiet
 * period later; a window of end markers only makes no Klaviyo call and adds no sync run, and its batch ids are
 * recorded as applied.
 */
@QuarkusTest
@TestProfile(MarkedWindowTest.LongQuietPeriod.class)
class MarkedWindowTest extends GatewayTestBase {

    static final Duration QUIET = Duration.ofSeconds(6);

    public static class LongQuietPeriod implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.window.quiet-period", QUIET.toMillis() + "ms",
                    "gateway.window.incomplete-quiet-period", "60s");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    SyncStateRepository state;
    @Inject
    BatchApplier applier;

    @Test
    void aWindowFromTwoPartitionsWithAPauseLongerThanTheQuietPeriodIsOnePlanAppliedAtItsLastMarker() {
        connect();
        int before = emulator().calls().forKey(apiKey).size();
        // 150 entering contacts: one bulk job as one plan; two plans (75 + 75, under the bulk threshold of 100) would
        // be 150 profile-imports and two list adds.
        List<SyncBatch> partition0 = List.of(
                marked("w1", 0, 0, entering(0, 40), false),
                marked("w1", 0, 1, entering(40, 75), false),
                marked("w1", 0, 2, List.of(), true));
        List<SyncBatch> partition1 = List.of(
                marked("w1", 1, 0, entering(75, 150), false),
                marked("w1", 1, 1, List.of(), true));

        partition0.forEach(this::publish);
        // sync-worker pausing mid-release, longer than the quiet period: nothing is applied meanwhile.
        await().during(QUIET.plusSeconds(1)).atMost(QUIET.plusSeconds(5))
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
                .as("first Klaviyo call after the last marker: well before the quiet period")
                .isLessThan(QUIET.minusSeconds(2));
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
        List<SyncBatch> markers = List.of(
                marked("fe", 0, 0, List.of(), true),
                marked("fe", 1, 0, List.of(), true));

        markers.forEach(this::publish);

        List<String> ids = markers.stream().map(SyncBatch::batchId).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(state.appliedAmong(ids).await().indefinitely())
                .containsExactlyInAnyOrderElementsOf(ids));
        assertThat(emulator().calls().forKey(apiKey)).hasSize(before);
        assertThat(syncRuns().getList("windowId", String.class)).isEmpty();
        assertThat(connection().getInt("parkedBatches")).isZero();

        // A later window with contacts is applied and listed; the markers-only window still is not.
        publish(marked("w2", 0, 0, entering(0, 1), true, 1));
        await().atMost(WAIT).untilAsserted(() -> assertThat(appliedBatches()).isEqualTo(1));
        assertThat(syncRuns().getList("windowId", String.class)).containsExactly("w2");
    }

    @Test
    void aNewerWindowAppliedBeforeAnOlderOneStillLeavesAMovedContactInTheList() {
        connect();
        String x = email("x");
        // The older window: the contact enters (v1); one of its two partitions' markers is late.
        List<SyncBatch> older = List.of(marked("w1", 0, 0, List.of(added(x, 1, "A")), false), marked("w1", 0, 1, List.of(), true));
        older.forEach(this::publish);
        // The newer window, complete at once: the contact moved (v2), which sync-worker states relative to w1.
        publish(marked("w2", 0, 0, List.of(moved(x, 2, "A", "B")), true, 1));
        await().atMost(WAIT).untilAsserted(() -> assertThat(syncRuns().getList("windowId", String.class)).containsExactly("w2"));
        // Then the older window completes; its ADDED is stale by now and skipped.
        SyncBatch lateMarker = marked("w1", 1, 0, List.of(), true);
        publish(lateMarker);
        List<String> ids = List.of(older.get(0).batchId(), older.get(1).batchId(), lateMarker.batchId());
        await().atMost(WAIT).untilAsserted(() -> assertThat(state.appliedAmong(ids).await().indefinitely())
                .containsExactlyInAnyOrderElementsOf(ids));

        // Applied out of order, the contact is still a member with the newest properties (CrashE2ETest once found
        // "properties set, not listed" here: the move made no list call and the add was stale).
        assertThat(members()).contains(x);
        assertThat(propertiesOf(x)).containsEntry("nosto_segment", "B");
    }

    @Test
    void theRestOfAWindowAppliedInPartsBeforeARestartIsAppliedAtItsLastMarkerNotAfterTheFallback() {
        connect();
        // Before the "restart": partitions 0 and 1 of a 3-partition window were applied as one part (as a group cut at
        // max-contacts is) and acknowledged. Applied here straight through BatchApplier, so this instance's grouper
        // has never seen the window: what it knows of it after a restart.
        List<SyncBatch> firstPart = List.of(marked("w1", 0, 0, entering(0, 3), false), marked("w1", 0, 1, List.of(), true, 3),
                marked("w1", 1, 0, List.of(), true, 3));
        assertThat(applier.apply(firstPart.stream().map(b -> new BatchApplier.Received(b, "{}")).toList())
                .await().atMost(WAIT)).isEqualTo(BatchApplier.Outcome.APPLIED);
        assertThat(state.endMarkersApplied(accountId, "w1").await().atMost(WAIT))
                .as("the markers are recorded with their batch ids").isEqualTo(Map.of(0, 3, 1, 3));
        int before = emulator().calls().forKey(apiKey).size();

        // The rest, as redelivered after the restart: partition 2's contacts and its marker.
        List<SyncBatch> rest = List.of(marked("w1", 2, 0, entering(3, 5), false), marked("w1", 2, 1, List.of(), true, 3));
        rest.forEach(this::publish);
        Instant lastMarker = Instant.now();

        List<String> ids = rest.stream().map(SyncBatch::batchId).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(state.appliedAmong(ids).await().indefinitely())
                .containsExactlyInAnyOrderElementsOf(ids));
        List<Call> calls = emulator().calls().forKey(apiKey);
        assertThat(calls.size()).as("the rest made Klaviyo calls").isGreaterThan(before);
        assertThat(Duration.between(lastMarker, calls.get(before).at()))
                .as("first call of the rest: at its marker, not after the incomplete quiet period (60 s here)")
                .isLessThan(QUIET.minusSeconds(2));
        assertThat(members()).hasSize(5);
        assertThat(syncRuns().getInt("[0].batches")).as("one sync run for the window, both parts counted").isEqualTo(5);
    }

    @Test
    void endMarkersOfAnAccountThatIsNotConnectedAreRecordedNotParked() {
        List<SyncBatch> markers = List.of(marked("fe", 0, 0, List.of(), true), marked("fe", 1, 0, List.of(), true));

        markers.forEach(this::publish);

        List<String> ids = markers.stream().map(SyncBatch::batchId).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(state.appliedAmong(ids).await().indefinitely())
                .containsExactlyInAnyOrderElementsOf(ids));
        assertThat(state.parked(accountId).await().indefinitely()).isEmpty();
    }

    /** A batch of source partition {@code partition} of a window of two partitions; {@code last}: its end marker. */
    private SyncBatch marked(String windowId, int partition, int sequence, List<ContactState> contacts, boolean last) {
        return marked(windowId, partition, sequence, contacts, last, 2);
    }

    private SyncBatch marked(String windowId, int partition, int sequence, List<ContactState> contacts, boolean last,
            int partitions) {
        return new SyncBatch(SyncBatch.SCHEMA_VERSION, accountId + "/" + windowId + "/" + partition + "/" + sequence, accountId,
                windowId, WindowKind.REGULAR, sequence, Instant.now(), Instant.now(), contacts, partition, last,
                last ? partitions : null);
    }

    private List<ContactState> entering(int from, int to) {
        List<ContactState> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(added(email("c" + i), 1, "A"));
        }
        return out;
    }
}
