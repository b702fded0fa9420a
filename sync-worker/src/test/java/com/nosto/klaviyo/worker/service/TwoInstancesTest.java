package com.nosto.klaviyo.worker.service;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.messaging.MembershipChangeConsumer;
import com.nosto.klaviyo.worker.messaging.OutboxRelay;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import com.nosto.klaviyo.worker.support.SecondInstance;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Scale-out by partitions: two instances split the topic and release each contact exactly once, also when both
 * believe they own the same partitions (a rebalance).
 */
@QuarkusTest
class TwoInstancesTest {

    @Inject
    PartitionOwnership appOwnership;
    @Inject
    ReleaseService releases;
    @Inject
    MembershipChangeConsumer worker;
    @Inject
    Loops loops;
    @Inject
    OutboxRelay relay;

    private static int partitionOf(SyncBatch batch) {
        String[] parts = batch.batchId().split("/");
        return Integer.parseInt(parts[parts.length - 2]);
    }

    @Test
    void twoInstancesOnSixPartitionsReleaseEachContactExactlyOnce() throws Exception {
        String account = Kafka.unique("two-instances");
        String group = Kafka.appGroupId();
        Set<Integer> ownedByApp;
        Set<Integer> ownedBySecond;
        try (SecondInstance second = new SecondInstance(worker, releases, group)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                Set<Integer> a = appOwnership.owned();
                Set<Integer> b = second.owned();
                return !a.isEmpty() && !b.isEmpty() && a.size() + b.size() == 6 && a.stream().noneMatch(b::contains);
            });
            ownedByApp = appOwnership.owned();
            ownedBySecond = second.owned();
            List<MembershipChange> changes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                changes.add(added(account, "p" + i + "@example.com", 1, "VIP"));
            }
            Kafka.produce(changes.toArray(MembershipChange[]::new));
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 40);

            TestClock.INSTANCE.advance(Duration.ofHours(12).plusMinutes(1));
            // The app releases its partitions on its own ticks; the second instance's ticks run here.
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                second.releaseDue();
                return Db.pending(account) == 0 && Db.unpublished(account) == 0;
            });
            assertThat(second.failure()).isNull();
        }

        List<SyncBatch> batches = Kafka.batchesFor(account);
        List<String> emails = batches.stream().flatMap(b -> b.contacts().stream()).map(ContactState::email).toList();
        assertThat(emails).hasSize(40).doesNotHaveDuplicates();
        Set<Integer> partitions = batches.stream().map(TwoInstancesTest::partitionOf).collect(Collectors.toSet());
        Set<Integer> union = new HashSet<>(ownedByApp);
        union.addAll(ownedBySecond);
        assertThat(union).containsAll(partitions);
        assertThat(partitions).as("the app released its partitions").containsAnyElementsOf(ownedByApp);
        assertThat(partitions).as("the second instance released its partitions").containsAnyElementsOf(ownedBySecond);
        // Each partition that held contacts ended its part of the one window with exactly one marker that
        // counts them all, whichever instance wrote it.
        Set<Integer> withContacts = batches.stream().filter(b -> !b.contacts().isEmpty()).map(SyncBatch::sourcePartition)
                .collect(Collectors.toSet());
        List<SyncBatch> markers = batches.stream().filter(SyncBatch::last).toList();
        assertThat(batches).extracting(SyncBatch::windowId).containsOnly(batches.get(0).windowId());
        assertThat(markers).extracting(SyncBatch::sourcePartition).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(withContacts);
        assertThat(markers).extracting(SyncBatch::windowPartitions).containsOnly(withContacts.size());
        // The app takes the whole topic back once the second instance leaves.
        await().atMost(Duration.ofSeconds(90)).until(() -> appOwnership.owned().size() == 6);
    }

    @Test
    void twoInstancesReleasingTheSamePartitionsAtOnceReleaseEachContactOnceWithOneMarkerPerPartition() throws Exception {
        String account = Kafka.unique("same-partitions");
        Set<Integer> partitions = Set.of(0, 1, 2);
        ExecutorService instances = Executors.newFixedThreadPool(2);
        List<ReleaseService.Report> reports = new ArrayList<>();
        loops.pause();
        try {
            for (int p : partitions) {
                List<MembershipChange> changes = new ArrayList<>();
                for (int i = 0; i < 13; i++) {
                    changes.add(added(account, "p" + p + "-" + i + "@example.com", 1, "VIP"));
                }
                Kafka.produceToPartition(p, changes);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 39);
            TestClock.INSTANCE.advance(Duration.ofHours(12).plusMinutes(1));

            // Both believe they own partitions 0-2, as an old and a new owner can for a moment during a rebalance.
            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<ReleaseService.Report>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(instances.submit(() -> {
                    together.await();
                    return releases.releaseDue(partitions);
                }));
            }
            for (Future<ReleaseService.Report> run : runs) {
                reports.add(run.get(60, TimeUnit.SECONDS));
            }
            assertThat(Db.pending(account)).isZero();
            relay.relayOnce();
        } finally {
            instances.shutdownNow();
            loops.resume();
        }

        // Each left to the other what the other was releasing; neither left anything undone.
        assertThat(reports).extracting(ReleaseService.Report::complete).containsOnly(true);
        List<SyncBatch> batches = Kafka.batchesFor(account);
        assertThat(batches.stream().flatMap(b -> b.contacts().stream()).map(ContactState::email).toList())
                .hasSize(39).doesNotHaveDuplicates();
        assertThat(batches).extracting(SyncBatch::windowId).containsOnly(batches.get(0).windowId());
        Map<Integer, List<SyncBatch>> byPartition = batches.stream().collect(Collectors.groupingBy(SyncBatch::sourcePartition));
        assertThat(byPartition).containsOnlyKeys(partitions);
        byPartition.forEach((partition, own) -> {
            // 13 contacts: batches of 4, 4, 4, 1, then one marker; sequences unique and in order on the topic.
            assertThat(own).as("partition %s", partition).extracting(SyncBatch::sequence)
                    .containsExactlyElementsOf(IntStream.range(0, own.size()).boxed().toList());
            assertThat(own).as("partition %s", partition).filteredOn(SyncBatch::last).singleElement()
                    .satisfies(marker -> {
                        assertThat(marker.sequence()).isEqualTo(own.size() - 1);
                        assertThat(marker.windowPartitions()).isEqualTo(3);
                    });
        });
    }
}
