package com.nosto.klaviyo.worker.service;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.worker.messaging.MembershipChangeConsumer;
import com.nosto.klaviyo.worker.messaging.PartitionOwnership;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.KafkaIO;
import com.nosto.klaviyo.worker.support.SecondInstance;
import com.nosto.klaviyo.worker.support.TestClock;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Scale-out by partitions: two instances split the topic and release each contact exactly once. */
@QuarkusTest
class TwoInstancesTest {

    @Inject
    PartitionOwnership appOwnership;
    @Inject
    ReleaseService releases;
    @Inject
    MembershipChangeConsumer worker;

    private static int partitionOf(SyncBatch batch) {
        String[] parts = batch.batchId().split("/");
        return Integer.parseInt(parts[parts.length - 2]);
    }

    @Test
    void twoInstancesOnSixPartitionsReleaseEachContactExactlyOnce() throws Exception {
        String account = KafkaIO.unique("two-instances");
        String group = ConfigProvider.getConfig().getValue("mp.messaging.incoming.membership-changes.group.id", String.class);
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
            KafkaIO.produce(changes.toArray(MembershipChange[]::new));
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 40);

            TestClock.INSTANCE.advance(Duration.ofHours(12).plusMinutes(1));
            // The app releases its partitions on its own ticks; the second instance's ticks run here.
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                second.releaseDue();
                return Db.pending(account) == 0 && Db.unpublished(account) == 0;
            });
            assertThat(second.failure()).isNull();
        }

        List<SyncBatch> batches = KafkaIO.batchesFor(account);
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
}
