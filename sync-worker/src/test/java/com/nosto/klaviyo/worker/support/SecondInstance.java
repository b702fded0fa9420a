package com.nosto.klaviyo.worker.support;

import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.worker.messaging.MembershipChangeConsumer;
import com.nosto.klaviyo.worker.service.PartitionOwnership;
import com.nosto.klaviyo.worker.service.ReleaseService;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * A second worker instance inside the test JVM: its own Kafka consumer in the same consumer group (so the broker
 * splits the 6 partitions between it and the app), its own partition ownership fed by its rebalance callbacks, and
 * the worker's consumer and release code against the shared database. What it shares with the app is exactly what
 * two pods share: the topic, the group and the database.
 */
public final class SecondInstance implements AutoCloseable {

    private final PartitionOwnership ownership = new PartitionOwnership();
    private final ReleaseService releases;
    private final ConsumerTask<String, String> consumer;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    public SecondInstance(MembershipChangeConsumer worker, ReleaseService releases, String groupId) {
        this.releases = releases;
        this.consumer = Kafka.companion().consumeStrings()
                .withGroupId(groupId)
                .withClientId("second-instance")
                .withOffsetReset(OffsetResetStrategy.EARLIEST)
                .withOnPartitionsAssigned(partitions -> ownership.assigned(numbers(partitions)))
                .withOnPartitionsRevoked(partitions -> ownership.revoked(numbers(partitions)))
                .withCommitSyncWhen(record -> true)
                .fromTopics(Set.of(Topics.MEMBERSHIP_CHANGES), records -> records.invoke(record -> {
                    try {
                        Reactive.await(() -> worker.apply(List.of(record)));
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }));
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).toList();
    }

    public Set<Integer> owned() {
        return ownership.owned();
    }

    /** This instance's release tick: only the partitions it owns. */
    public ReleaseService.Report releaseDue() {
        return releases.releaseDue(ownership.owned());
    }

    public Throwable failure() {
        return failure.get();
    }

    @Override
    public void close() {
        consumer.stop();
    }
}
