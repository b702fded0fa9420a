package com.nosto.klaviyo.worker.service;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.testsupport.Tokens;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.domain.WindowRules;
import com.nosto.klaviyo.worker.messaging.OutboxRelay;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * End markers and the partition count a window's gateway group closes on; first-enable windows ending at
 * the enable time, so one enable is one window on every partition. Real broker in and out, real database.
 */
@QuarkusTest
class EndMarkerTest {

    private static final Duration FIRST_ENABLE = Duration.ofHours(1);

    @Inject
    Loops loops;
    @Inject
    ReleaseService releases;
    @Inject
    OutboxRelay relay;

    private static List<SyncBatch> awaitBatches(String account, Predicate<List<SyncBatch>> done) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> Kafka.batchesFor(account), done);
    }

    private static Predicate<List<SyncBatch>> markersOf(int partitions) {
        return batches -> batches.stream().filter(SyncBatch::last).map(SyncBatch::sourcePartition).distinct().count()
                >= partitions;
    }

    private static List<MembershipChange> contacts(String account, String prefix, int n) {
        List<MembershipChange> changes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            changes.add(added(account, prefix + i + "@example.com", 1, "VIP"));
        }
        return changes;
    }

    private static Instant firstEnableDue(String account, int partition) {
        Object due = Db.schedule(account).stream().filter(r -> r.get("source_partition").equals(partition))
                .findFirst().orElseThrow().get("first_enable_due_at");
        return due == null ? null : ((Timestamp) due).toInstant();
    }

    @Test
    void aFlushedWindowEndsWithOneMarkerPerPartitionCountingEveryPartition() {
        String account = Kafka.unique("markers");
        // 6 contacts on partition 0 (two pages), 1 on 3, 2 on 5.
        Kafka.produceToPartition(0, contacts(account, "a", 6));
        Kafka.produceToPartition(3, contacts(account, "b", 1));
        Kafka.produceToPartition(5, contacts(account, "c", 2));
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 9 && Db.schedule(account).size() == 3);

        given().auth().oauth2(Tokens.sre())
                .when().post("/api/accounts/{a}/windows/flush", account)
                .then().statusCode(202);

        awaitBatches(account, markersOf(3));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30))
                .until(() -> Db.unpublished(account) == 0 && Db.pending(account) == 0);
        List<SyncBatch> batches = Kafka.batchesFor(account);

        assertThat(batches).extracting(SyncBatch::windowId).containsOnly(batches.get(0).windowId());
        Map<Integer, List<SyncBatch>> byPartition = batches.stream().collect(Collectors.groupingBy(SyncBatch::sourcePartition));
        assertThat(byPartition).containsOnlyKeys(0, 3, 5);
        Map<Integer, String> prefix = Map.of(0, "a", 3, "b", 5, "c");
        byPartition.forEach((partition, own) -> {
            assertThat(own.subList(0, own.size() - 1)).as("partition %s", partition)
                    .allSatisfy(b -> assertThat(b.last()).isFalse())
                    .flatExtracting(SyncBatch::contacts).extracting(ContactState::email)
                    .allMatch(e -> e.startsWith(prefix.get(partition)));
            SyncBatch marker = own.get(own.size() - 1);
            assertThat(marker.last()).as("partition %s ends with its marker", partition).isTrue();
            assertThat(marker.contacts()).isEmpty();
            assertThat(marker.windowPartitions()).isEqualTo(3);
            assertThat(marker.sequence()).isEqualTo(own.size() - 1);
            assertThat(marker.batchId()).isEqualTo(WindowRules.batchId(marker.windowId(), partition, marker.sequence()));
        });
        assertThat(batches.stream().filter(SyncBatch::last)).hasSize(3);
        assertThat(batches.stream().mapToInt(b -> b.contacts().size()).sum()).isEqualTo(9);
    }

    @Test
    void aFlushWhileAWindowIsHalfReleasedLeavesThatWindowToThePartitionsStillDueAtIt() {
        String account = Kafka.unique("flush-mid");
        loops.pause();
        try {
            Kafka.produceToPartition(0, contacts(account, "a", 2));
            Kafka.produceToPartition(3, contacts(account, "b", 1));
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 3 && Db.schedule(account).size() == 2);
            // The regular window ends; partition 0 releases it (its marker counts partition 3, still due at that end),
            // partition 3's instance has not got to it yet when an SRE flushes the account.
            TestClock.INSTANCE.advance(Duration.ofHours(12).plusMinutes(1));
            releases.releaseDue(Set.of(0));
            given().auth().oauth2(Tokens.sre())
                    .when().post("/api/accounts/{a}/windows/flush", account)
                    .then().statusCode(202);
            releases.releaseDue(Set.of(3));
            relay.relayOnce();
        } finally {
            loops.resume();
        }

        List<SyncBatch> batches = awaitBatches(account, markersOf(2));
        assertThat(batches).extracting(SyncBatch::windowId).as("one window: partition 3 released the window partition 0 counted it in")
                .containsOnly(batches.get(0).windowId());
        assertThat(batches.stream().filter(SyncBatch::last)).extracting(SyncBatch::windowPartitions).containsExactly(2, 2);
        assertThat(batches).flatExtracting(SyncBatch::contacts).hasSize(3);
    }

    @Test
    void oneFirstEnableArrivingOnTwoPartitionsAtDifferentTimesIsOneWindowEndingAtEnableTimePlusTheWindow() {
        String account = Kafka.unique("one-enable");
        Instant enabledAt = TestClock.INSTANCE.instant();
        Kafka.produceToPartition(1, List.of(firstEnableAdded(account, "early@example.com", 1, "Whole Bean", enabledAt)));
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 1);
        TestClock.INSTANCE.advance(Duration.ofMinutes(7));
        Kafka.produceToPartition(4, List.of(firstEnableAdded(account, "late@example.com", 1, "Whole Bean", enabledAt)));
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 2);

        Instant end = enabledAt.plus(FIRST_ENABLE);
        assertThat(firstEnableDue(account, 1)).isEqualTo(end);
        assertThat(firstEnableDue(account, 4)).isEqualTo(end);

        TestClock.INSTANCE.advance(FIRST_ENABLE);
        List<SyncBatch> batches = awaitBatches(account, markersOf(2));

        String windowId = WindowRules.windowId(account, WindowKind.FIRST_ENABLE, end);
        assertThat(batches).extracting(SyncBatch::windowId).containsOnly(windowId);
        assertThat(batches).extracting(SyncBatch::windowEnd).containsOnly(end);
        assertThat(batches).flatExtracting(SyncBatch::contacts).extracting(ContactState::email)
                .containsExactlyInAnyOrder("early@example.com", "late@example.com");
        assertThat(batches.stream().filter(SyncBatch::last)).extracting(SyncBatch::sourcePartition)
                .containsExactlyInAnyOrder(1, 4);
        assertThat(batches.stream().filter(SyncBatch::last)).extracting(SyncBatch::windowPartitions).containsOnly(2);

    }

    @Test
    void anEnableOlderThanTheWindowIsReleasedAtOnce() {
        String account = Kafka.unique("late-enable");
        Instant enabledAt = TestClock.INSTANCE.instant().minus(Duration.ofMinutes(90));

        // No clock move: the window ended half an hour ago, so the next tick releases it.
        Kafka.produce(firstEnableAdded(account, "behind@example.com", 1, "Whole Bean", enabledAt));

        List<SyncBatch> batches = awaitBatches(account, markersOf(1));
        assertThat(batches).extracting(SyncBatch::windowEnd).containsOnly(enabledAt.plus(FIRST_ENABLE));
        assertThat(batches).extracting(SyncBatch::windowKind).containsOnly(WindowKind.FIRST_ENABLE);
        assertThat(batches).flatExtracting(SyncBatch::contacts).extracting(ContactState::email)
                .containsExactly("behind@example.com");
    }

    @Test
    void aDueFirstEnableWindowTheRegularWindowEmptiedStillEndsWithItsMarker() {
        String account = Kafka.unique("fe-empty");
        Instant enabledAt = TestClock.INSTANCE.instant();
        loops.pause();
        try {
            Kafka.produceToPartition(0, List.of(firstEnableAdded(account, "x@example.com", 1, "Whole Bean", enabledAt)));
            Kafka.produceToPartition(3, List.of(firstEnableAdded(account, "y@example.com", 1, "Whole Bean", enabledAt)));
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 2);
            // Both kinds due at one tick: the regular window, released first, takes the first-enable contacts.
            TestClock.INSTANCE.advance(Duration.ofHours(12).plusMinutes(1));

            ReleaseService.Report report = releases.releaseDue(Set.of(0, 3));

            assertThat(report.complete()).isTrue();
            assertThat(Db.pending(account)).isZero();
            assertThat(Db.schedule(account)).allSatisfy(r -> assertThat(r.get("first_enable_due_at")).isNull());
            relay.relayOnce();
        } finally {
            loops.resume();
        }

        List<SyncBatch> batches = awaitBatches(account, b -> b.stream().filter(SyncBatch::last).count() >= 4);
        List<SyncBatch> firstEnable = batches.stream().filter(b -> b.windowKind() == WindowKind.FIRST_ENABLE).toList();
        assertThat(firstEnable).as("markers only").allSatisfy(m -> {
            assertThat(m.last()).isTrue();
            assertThat(m.contacts()).isEmpty();
            assertThat(m.windowPartitions()).isEqualTo(2);
            assertThat(m.windowId()).isEqualTo(WindowRules.windowId(account, WindowKind.FIRST_ENABLE, enabledAt.plus(FIRST_ENABLE)));
        }).extracting(SyncBatch::sourcePartition).containsExactlyInAnyOrder(0, 3);
        List<SyncBatch> regular = batches.stream().filter(b -> b.windowKind() == WindowKind.REGULAR).toList();
        assertThat(regular).flatExtracting(SyncBatch::contacts).extracting(ContactState::email)
                .containsExactlyInAnyOrder("x@example.com", "y@example.com");
        assertThat(regular.stream().filter(SyncBatch::last)).extracting(SyncBatch::windowPartitions).containsExactly(2, 2);
    }
}
