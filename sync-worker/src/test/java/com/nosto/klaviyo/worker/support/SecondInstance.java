package com.nosto.klaviyo.worker.support;

import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.worker.messaging.MembershipChangeConsumer;
import com.nosto.klaviyo.worker.messaging.PartitionOwnership;
import com.nosto.klaviyo.worker.service.ReleaseService;
import io.quarkus.vertx.VertxContextSupport;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A second worker instance inside the test JVM: its own Kafka consumer in the same consumer group (so
 * the broker splits the 6 partitions between it and the app), its own partition ownership fed by its
 * own rebalance listener, and the worker's poll-at-a-time consumer and release code against the shared database.
 * What it shares with the app is exactly what two pods share: the topic, the group and the database.
 */
public final class SecondInstance implements AutoCloseable {

    private final PartitionOwnership ownership = new PartitionOwnership();
    private final ReleaseService releases;
    private final Thread poller;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;

    public SecondInstance(MembershipChangeConsumer worker, ReleaseService releases, String groupId) {
        this.releases = releases;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaIO.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "second-instance");
        poller = new Thread(() -> run(p, worker), "second-instance");
        poller.setDaemon(true);
        poller.start();
    }

    private void run(Properties props, MembershipChangeConsumer worker) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.MEMBERSHIP_CHANGES), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    ownership.assigned(partitions.stream().map(TopicPartition::partition).toList());
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    ownership.revoked(partitions.stream().map(TopicPartition::partition).toList());
                }
            });
            while (running) {
                ConsumerRecords<String, String> poll = consumer.poll(Duration.ofMillis(100));
                if (!poll.isEmpty()) {
                    VertxContextSupport.subscribeAndAwait(() -> worker.apply(poll));
                }
                // Ack after the database write, as the app's channel does.
                consumer.commitSync();
            }
        } catch (Throwable t) {
            failure.set(t);
        }
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
    public void close() throws InterruptedException {
        running = false;
        poller.join(30_000);
    }
}
