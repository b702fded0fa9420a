package com.nosto.klaviyo.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.service.BatchApplier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * WindowGrouper with a hand-moved clock and a recording applier: when a group is handed over, with which
 * batches, in which order, and for what reason. Defaults as in production (quiet 2 s, incomplete quiet 30 s,
 * max-wait 5 min) unless a test says otherwise.
 */
class WindowGrouperTest {

    private static final String ACCOUNT = "acme";

    private long now = 1_000_000;
    private int maxContacts = 150_000;
    private int maxHeld = 200_000;
    private final List<List<String>> applied = new ArrayList<>();
    private final AtomicInteger acks = new AtomicInteger();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    /** End markers "applied before" (the database in production), by window; and the windows read from it. */
    private final Map<String, Map<Integer, Integer>> appliedMarkers = new HashMap<>();
    private final List<String> markerReads = new ArrayList<>();
    private Uni<Map<Integer, Integer>> pendingRead;
    private final WindowGrouper grouper = new WindowGrouper(this::record, this::readMarkers, config(), null, metrics, () -> now);

    private Uni<Map<Integer, Integer>> readMarkers(String accountId, String windowId) {
        markerReads.add(windowId);
        return pendingRead != null ? pendingRead : Uni.createFrom().item(appliedMarkers.getOrDefault(windowId, Map.of()));
    }

    private Uni<?> record(List<BatchApplier.Received> batches) {
        applied.add(batches.stream().map(r -> r.batch().batchId()).toList());
        return Uni.createFrom().item(BatchApplier.Outcome.APPLIED);
    }

    private GatewayConfig.Window config() {
        return new GatewayConfig.Window() {
            @Override
            public Duration quietPeriod() {
                return Duration.ofSeconds(2);
            }

            @Override
            public Duration incompleteQuietPeriod() {
                return Duration.ofSeconds(30);
            }

            @Override
            public Duration maxWait() {
                return Duration.ofMinutes(5);
            }

            @Override
            public int maxContacts() {
                return maxContacts;
            }

            @Override
            public int maxHeldContacts() {
                return maxHeld;
            }
        };
    }

    // ---- Marked batches ---------------------------------------------------------------------------------

    @Test
    void aMarkedWindowOfThreePartitionsIsAppliedOnItsThirdMarkerWithoutWaiting() {
        add(contacts("w1", 0, 0, 3));
        add(contacts("w1", 1, 0, 2));
        add(marker("w1", 0, 1, 3));
        add(contacts("w1", 2, 0, 4));
        add(marker("w1", 1, 1, 3));
        tick(0);
        assertThat(applied).as("two of three markers").isEmpty();

        add(marker("w1", 2, 1, 3));

        assertThat(applied).containsExactly(List.of("w1/0/0", "w1/1/0", "w1/0/1", "w1/2/0", "w1/1/1", "w1/2/1"));
        assertThat(acks).hasValue(6);
        assertThat(grouper.held()).isZero();
        assertThat(grouper.openGroups()).isZero();
        assertThat(reasons("complete")).isEqualTo(1);
    }

    @Test
    void aPauseLongerThanTheQuietPeriodBetweenPartitionsDoesNotSplitAMarkedWindow() {
        add(contacts("w1", 0, 0, 5));
        add(marker("w1", 0, 1, 2));
        tick(10_000);
        tick(10_000);
        assertThat(applied).as("quiet for 20 s, but a partition's marker is missing").isEmpty();

        add(contacts("w1", 1, 0, 5));
        add(marker("w1", 1, 1, 2));

        assertThat(applied).containsExactly(List.of("w1/0/0", "w1/0/1", "w1/1/0", "w1/1/1"));
        assertThat(reasons("quiet")).isZero();
    }

    @Test
    void aMarkerSentTwiceCountsOnce() {
        add(contacts("w1", 0, 0, 1));
        add(marker("w1", 0, 1, 2));
        add(contacts("w1", 0, 0, 1)); // partition 0 re-sent after a crash: same ids
        add(marker("w1", 0, 1, 2));
        assertThat(applied).isEmpty();

        add(marker("w1", 1, 0, 2));

        assertThat(applied).hasSize(1);
        assertThat(applied.get(0)).containsExactly("w1/0/0", "w1/0/1", "w1/0/0", "w1/0/1", "w1/1/0");
    }

    @Test
    void anIncompleteMarkedGroupIsAppliedAfterTheIncompleteQuietPeriod() {
        add(contacts("w1", 0, 0, 2));
        add(marker("w1", 0, 1, 3));
        add(marker("w1", 1, 0, 3));
        tick(29_999);
        assertThat(applied).isEmpty();

        tick(1);

        assertThat(applied).containsExactly(List.of("w1/0/0", "w1/0/1", "w1/1/0"));
        assertThat(reasons("incomplete-quiet")).isEqualTo(1);
        assertThat(acks).hasValue(3);
    }

    @Test
    void aMarkedGroupStillReceivingBatchesIsAppliedAtMaxWait() {
        for (int i = 0; i < 15; i++) {
            add(contacts("w1", 0, i, 1));
            tick(19_000);
        }
        assertThat(applied).as("285 s").isEmpty();
        add(contacts("w1", 0, 15, 1));
        tick(15_000);

        assertThat(applied).hasSize(1);
        assertThat(applied.get(0)).hasSize(16);
        assertThat(reasons("max-wait")).isEqualTo(1);
    }

    @Test
    void aMarkedWindowCutAtMaxContactsGoesOnAndCompletesOnTheRemainingMarkers() {
        maxContacts = 10;
        add(contacts("w1", 0, 0, 6));
        add(marker("w1", 0, 1, 3));
        add(contacts("w1", 1, 0, 6));
        assertThat(applied).as("12 contacts reach max-contacts").containsExactly(List.of("w1/0/0", "w1/0/1", "w1/1/0"));
        assertThat(reasons("max-contacts")).isEqualTo(1);

        // The continuation keeps partition 0's marker and the count of 3: partition 1's marker is not enough.
        add(contacts("w1", 1, 1, 2));
        add(marker("w1", 1, 2, 3));
        tick(29_000);
        assertThat(applied).hasSize(1);

        add(marker("w1", 2, 0, 3));

        assertThat(applied).containsExactly(List.of("w1/0/0", "w1/0/1", "w1/1/0"), List.of("w1/1/1", "w1/1/2", "w1/2/0"));
        assertThat(reasons("complete")).isEqualTo(1);
        assertThat(acks).hasValue(6);
        assertThat(grouper.openGroups()).isZero();
    }

    @Test
    void twoWindowsOfOneAccountOpenAtOnceCompleteIndependently() {
        // A regular window and a first-enable window released interleaved by different partitions / instances;
        // the first-enable window has markers only (the regular window took its contacts).
        add(contacts("reg", 0, 0, 3));
        add(marker("fe", 0, 0, 2));
        add(marker("reg", 0, 1, 2));
        add(contacts("reg", 1, 0, 3));
        assertThat(applied).isEmpty();

        add(marker("fe", 1, 0, 2));
        assertThat(applied).containsExactly(List.of("fe/0/0", "fe/1/0"));

        add(marker("reg", 1, 1, 2));
        assertThat(applied).containsExactly(List.of("fe/0/0", "fe/1/0"), List.of("reg/0/0", "reg/0/1", "reg/1/0", "reg/1/1"));
        assertThat(reasons("next-window")).isZero();
        assertThat(reasons("complete")).isEqualTo(2);
    }

    @Test
    void aLateOrReSentPartOfAnAppliedWindowFormsANewGroupCompleteAtItsOwnMarker() {
        add(contacts("w1", 0, 0, 2));
        add(marker("w1", 0, 1, 2));
        add(marker("w1", 1, 0, 2));
        assertThat(applied).hasSize(1);

        // Partition 0 re-sent after a producer crash: a group of its own, complete at its marker.
        add(contacts("w1", 0, 0, 2));
        assertThat(applied).hasSize(1);
        add(marker("w1", 0, 1, 2));
        assertThat(applied).containsExactly(List.of("w1/0/0", "w1/0/1", "w1/1/0"), List.of("w1/0/0", "w1/0/1"));

        // A stray duplicate marker alone is handed over at once too.
        add(marker("w1", 1, 0, 2));
        assertThat(applied).hasSize(3);
        assertThat(acks).hasValue(6);
    }

    @Test
    void atMaxHeldContactsEveryGroupIsAppliedAndTheConsumerWaitsForThem() {
        maxHeld = 10;
        maxContacts = 10;
        CompletableFuture<Object> release = new CompletableFuture<>();
        List<List<String>> handed = new ArrayList<>();
        WindowGrouper slow = new WindowGrouper(batches -> {
            handed.add(batches.stream().map(r -> r.batch().batchId()).toList());
            return Uni.createFrom().completionStage(release);
        }, this::readMarkers, config(), null, metrics, () -> now);
        assertThat(slow.add(contacts("a", 0, 0, 4), "{}", message()).await().indefinitely()).isNull();
        Uni<Void> blocked = slow.add(contacts("b", 0, 0, 6), "{}", message());

        assertThat(handed).containsExactly(List.of("a/0/0"), List.of("b/0/0"));
        CompletableFuture<Void> waiting = blocked.subscribeAsCompletionStage();
        assertThat(waiting).isNotDone();
        release.complete(BatchApplier.Outcome.APPLIED);
        assertThat(waiting).isDone();
        assertThat(slow.held()).isZero();
    }

    // ---- End markers applied before this instance saw the window (restart, rebalance) ------------------------------

    @Test
    void theRestOfAWindowAppliedInPartsBeforeARestartCompletesOnTheMarkersAppliedThen() {
        // Before the restart: partitions 0 and 1 of 3 ended in a part that was applied (cut at max-contacts) and acknowledged.
        appliedMarkers.put("w1", Map.of(0, 3, 1, 3));

        add(contacts("w1", 2, 0, 4));
        assertThat(applied).as("partition 2's marker is still to come").isEmpty();
        add(marker("w1", 2, 1, 3));

        assertThat(applied).as("complete at once, not after the incomplete quiet period")
                .containsExactly(List.of("w1/2/0", "w1/2/1"));
        assertThat(reasons("complete")).isEqualTo(1);
        assertThat(markerReads).as("read once, when the window first appeared").containsExactly("w1");
    }

    @Test
    void markersAppliedBeforeDoNotCompleteAGroupStillMissingTheMarkerOfAPartitionItHolds() {
        // A fully applied window whose partition 0 is re-sent after a restart: complete at its own marker only.
        appliedMarkers.put("w1", Map.of(0, 2, 1, 2));
        add(contacts("w1", 0, 0, 2));
        tick(5_000);
        assertThat(applied).isEmpty();

        add(marker("w1", 0, 1, 2));

        assertThat(applied).containsExactly(List.of("w1/0/0", "w1/0/1"));
    }

    @Test
    void markersReadAfterTheLastBatchArrivedCompleteTheOpenGroup() {
        // The read answers after the group's own marker came in: the group is applied when it answers.
        CompletableFuture<Map<Integer, Integer>> answer = new CompletableFuture<>();
        pendingRead = Uni.createFrom().completionStage(answer);
        add(contacts("w1", 1, 0, 2));
        add(marker("w1", 1, 1, 2));
        assertThat(applied).isEmpty();

        answer.complete(Map.of(0, 2));

        assertThat(applied).containsExactly(List.of("w1/1/0", "w1/1/1"));
        assertThat(reasons("complete")).isEqualTo(1);
    }

    @Test
    void aFailedReadOfTheAppliedMarkersLeavesTheIncompleteQuietFallback() {
        pendingRead = Uni.createFrom().failure(new IllegalStateException("database down"));
        add(contacts("w1", 1, 0, 2));
        add(marker("w1", 1, 1, 2));
        tick(29_999);
        assertThat(applied).isEmpty();

        tick(1);

        assertThat(applied).containsExactly(List.of("w1/1/0", "w1/1/1"));
        assertThat(reasons("incomplete-quiet")).isEqualTo(1);
    }

    @Test
    void unmarkedBatchesAndWindowsAlreadyKnownAreNotReadAgain() {
        add(legacy("old", 0, 1));
        add(contacts("w1", 0, 0, 1));
        add(contacts("w1", 0, 1, 1));
        add(marker("w1", 0, 2, 1));
        add(contacts("w1", 0, 0, 1)); // a re-sent part of the applied window: known here, no read

        assertThat(markerReads).containsExactly("w1");
    }

    // ---- Unmarked (legacy) batches: as before -----------------------------------------------------------------

    @Test
    void unmarkedBatchesAreAppliedAfterTheQuietPeriod() {
        add(legacy("w1", 0, 2));
        tick(1_500);
        add(legacy("w1", 1, 2));
        tick(1_999);
        assertThat(applied).isEmpty();

        tick(1);

        assertThat(applied).containsExactly(List.of("w1/0", "w1/1"));
        assertThat(reasons("quiet")).isEqualTo(1);
    }

    @Test
    void anUnmarkedGroupIsAppliedWhenABatchOfTheAccountsNextWindowArrives() {
        add(legacy("w1", 0, 2));
        add(legacy("w2", 0, 2));

        assertThat(applied).containsExactly(List.of("w1/0"));
        assertThat(reasons("next-window")).isEqualTo(1);
        tick(2_000);
        assertThat(applied).containsExactly(List.of("w1/0"), List.of("w2/0"));
    }

    @Test
    void anUnmarkedGroupIsAppliedAtMaxContactsAndMaxWait() {
        maxContacts = 5;
        add(legacy("w1", 0, 3));
        add(legacy("w1", 1, 3));
        assertThat(applied).containsExactly(List.of("w1/0", "w1/1"));

        for (int i = 2; i < 200; i++) {
            add(legacy("w1", i, 0));
            tick(1_900);
        }
        assertThat(applied).hasSize(2);
        assertThat(applied.get(1)).hasSize(158); // 300 s / 1.9 s
        assertThat(reasons("max-wait")).isEqualTo(1);
    }

    @Test
    void aBatchOfAnotherWindowClosesUnmarkedGroupsButNotMarkedOnes() {
        add(contacts("reg", 0, 0, 1));
        add(legacy("old", 0, 1));
        assertThat(applied).as("the marked group stays open").isEmpty();

        add(contacts("reg", 0, 1, 1));
        assertThat(applied).as("the unmarked one is closed by the next window").containsExactly(List.of("old/0"));
        assertThat(grouper.openGroups()).isEqualTo(1);
    }

    @Test
    void otherAccountsAreGroupedApart() {
        add(contacts("w1", 0, 0, 1));
        grouper.add(new SyncBatch(SyncBatch.SCHEMA_VERSION, "other/w1/0/0", "other", "w1", WindowKind.REGULAR, 0,
                Instant.EPOCH, Instant.EPOCH, List.of(), 0, true, 1), "{}", message());
        assertThat(applied).containsExactly(List.of("other/w1/0/0"));
        assertThat(grouper.openGroups()).isEqualTo(1);
    }

    // ---- Helpers ---------------------------------------------------------------------------------------

    private void add(SyncBatch batch) {
        grouper.add(batch, "{}", message()).await().indefinitely();
    }

    private Message<String> message() {
        return Message.of("{}", () -> {
            acks.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
    }

    private void tick(long millis) {
        now += millis;
        grouper.applyDue();
    }

    private double reasons(String reason) {
        var c = metrics.find(WindowGrouper.METRIC).tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** A contact batch of one source partition ({@code window/partition/sequence}). */
    private static SyncBatch contacts(String window, int partition, int sequence, int n) {
        return new SyncBatch(SyncBatch.SCHEMA_VERSION, window + "/" + partition + "/" + sequence, ACCOUNT, window,
                WindowKind.REGULAR, sequence, Instant.EPOCH, Instant.EPOCH, states(window + partition + "-" + sequence, n), partition,
                false, null);
    }

    /** An end marker without contacts. */
    private static SyncBatch marker(String window, int partition, int sequence, int partitions) {
        return new SyncBatch(SyncBatch.SCHEMA_VERSION, window + "/" + partition + "/" + sequence, ACCOUNT, window,
                WindowKind.REGULAR, sequence, Instant.EPOCH, Instant.EPOCH, List.of(), partition, true, partitions);
    }

    /** A batch of an older producer: no source partition, no marker. */
    private static SyncBatch legacy(String window, int sequence, int n) {
        return new SyncBatch(SyncBatch.SCHEMA_VERSION, window + "/" + sequence, ACCOUNT, window, WindowKind.REGULAR, sequence,
                Instant.EPOCH, Instant.EPOCH, states(window + "-" + sequence, n));
    }

    private static List<ContactState> states(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> new ContactState(prefix + "-" + i + "@example.com", true, "A", List.of("A"), 1,
                ChangeType.ADDED)).toList();
    }
}
