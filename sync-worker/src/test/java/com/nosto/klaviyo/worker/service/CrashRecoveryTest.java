package com.nosto.klaviyo.worker.service;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.moved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.messaging.MembershipChangeConsumer;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** G8/G9: a kill mid-window or mid-release loses nothing and releases nothing twice; replays are no-ops. */
@QuarkusTest
class CrashRecoveryTest {

    private static final Duration PAST_REGULAR = Duration.ofHours(12).plusMinutes(1);
    private static final Set<Integer> ALL_PARTITIONS = Set.of(0, 1, 2, 3, 4, 5);

    @Inject
    Loops loops;
    @Inject
    ReleaseService releases;
    @Inject
    MembershipChangeConsumer worker;

    private static List<ContactState> contacts(List<SyncBatch> batches) {
        return batches.stream().flatMap(b -> b.contacts().stream()).toList();
    }

    @Test
    void killMidReleaseThenRestartLosesNothingAndReleasesNothingTwice() {
        // "000-" sorts before every other test account, so the cut below falls inside this account's window.
        String account = "000-" + Kafka.unique("crash");
        List<MembershipChange> changes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            changes.add(added(account, "c" + i + "@example.com", 1, "VIP"));
        }
        loops.pause();
        try {
            Kafka.produce(changes.toArray(MembershipChange[]::new));
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 10);
            List<Map<String, Object>> scheduleBefore = Db.schedule(account);
            TestClock.INSTANCE.advance(PAST_REGULAR);

            // The process dies right after committing its first page: a batch in the outbox, the rest pending.
            ReleaseService.Report cut = releases.releaseDue(ALL_PARTITIONS, 1);
            assertThat(cut.complete()).isFalse();
            assertThat(cut.contacts()).isBetween(1, 4);
            assertThat(Db.outboxRows(account)).isEqualTo(1);
            assertThat(Db.pending(account)).isEqualTo(10 - cut.contacts());
            assertThat(Db.schedule(account)).as("stored schedule survives the kill").isEqualTo(scheduleBefore);

            // Its offsets were never committed, so the same records are delivered again.
            Kafka.produce(changes.toArray(MembershipChange[]::new));
            await().atMost(Duration.ofSeconds(60)).until(() -> Kafka.groupCaughtUp(Kafka.appGroupId()));
            assertThat(Db.pending(account)).isEqualTo(10 - cut.contacts());
        } finally {
            loops.resume();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> Db.pending(account) == 0 && Db.unpublished(account) == 0);
        List<SyncBatch> batches = Kafka.batchesFor(account);
        assertThat(contacts(batches)).extracting(ContactState::email).doesNotHaveDuplicates().hasSize(10);
        assertThat(batches).extracting(SyncBatch::batchId).doesNotHaveDuplicates();
    }

    @Test
    void killBetweenTheLastPageAndTheEndMarkerWritesTheMarkerOnRestart() {
        // "000-" sorts first, so this account's window is the first the budgeted release below meets.
        String account = "000-" + Kafka.unique("marker-crash");
        List<MembershipChange> changes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            changes.add(added(account, "m" + i + "@example.com", 1, "VIP"));
        }
        loops.pause();
        try {
            Kafka.produceToPartition(5, changes);
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 4);
            TestClock.INSTANCE.advance(PAST_REGULAR);

            // Test batch size is 4: the one page holds every contact; the process dies before the marker.
            ReleaseService.Report cut = releases.releaseDue(Set.of(5), 1);
            assertThat(cut.complete()).isFalse();
            assertThat(cut.markers()).isZero();
            assertThat(Db.pending(account)).isZero();
            assertThat(Db.outboxRows(account)).isEqualTo(1);

            // The restarted release finds no page left and ends the window.
            ReleaseService.Report rerun = releases.releaseDue(Set.of(5));
            assertThat(rerun.complete()).isTrue();
            assertThat(Db.outboxRows(account)).isEqualTo(2);
        } finally {
            loops.resume();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> Db.unpublished(account) == 0);
        List<SyncBatch> batches = Kafka.batchesFor(account);
        assertThat(batches).extracting(b -> b.contacts().size()).containsExactly(4, 0);
        SyncBatch marker = batches.get(1);
        assertThat(marker.last()).isTrue();
        assertThat(marker.sequence()).isEqualTo(1);
        assertThat(marker.sourcePartition()).isEqualTo(5);
        assertThat(marker.windowPartitions()).isEqualTo(1);
        assertThat(marker.windowId()).isEqualTo(batches.get(0).windowId());
        assertThat(marker.batchId()).isEqualTo(marker.windowId() + "/5/1");
    }

    @Test
    void replayingTheTopicFromEarliestReleasesNoNewBatch() {
        String account = Kafka.unique("replay");
        for (int i = 0; i < 5; i++) {
            Kafka.produce(added(account, "r" + i + "@example.com", 1, "A"));
        }
        Kafka.produce(moved(account, "r0@example.com", 2, List.of("A"), "B"));
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 5
                && Db.desiredVersion(account, "r0@example.com") == 2);
        TestClock.INSTANCE.advance(PAST_REGULAR);
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.pending(account) == 0 && Db.outboxRows(account) > 0
                && Db.unpublished(account) == 0);
        long outboxBefore = Db.outboxRows(account);
        int batchesBefore = Kafka.batchesFor(account).size();

        int replayed = Kafka.replay(worker);

        assertThat(replayed).isGreaterThanOrEqualTo(6);
        assertThat(Db.pending(account)).isZero();
        TestClock.INSTANCE.advance(PAST_REGULAR);
        releases.releaseDue(ALL_PARTITIONS);
        assertThat(Db.outboxRows(account)).isEqualTo(outboxBefore);
        assertThat(Kafka.batchesFor(account)).hasSize(batchesBefore);
    }
}
