package com.nosto.klaviyo.worker.support;

import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.worker.messaging.MembershipChangeConsumer;
import io.quarkus.vertx.VertxContextSupport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What an SRE's offset reset does: a consumer reads {@code segment-membership-changes} from the
 * earliest offset and hands every poll to the worker's own consumer method, as the channel does.
 */
public final class Replay {

    private Replay() {
    }

    /** @return how many records were replayed */
    public static int wholeTopic(MembershipChangeConsumer worker) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaIO.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        int replayed = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MEMBERSHIP_CHANGES).stream()
                    .map(i -> new TopicPartition(Topics.MEMBERSHIP_CHANGES, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                ConsumerRecords<String, String> poll = consumer.poll(Duration.ofMillis(200));
                if (!poll.isEmpty()) {
                    VertxContextSupport.subscribeAndAwait(() -> worker.apply(poll));
                    replayed += poll.count();
                }
            }
        } catch (Throwable t) {
            throw new IllegalStateException("replay failed", t);
        }
        return replayed;
    }
}
