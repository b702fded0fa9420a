package com.nosto.klaviyo.worker.support;

import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.worker.messaging.MembershipChangeConsumer;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.ConfigProvider;

/** The test broker through SmallRye's KafkaCompanion: produce changes, read batches and dead letters, watch the group. */
public final class Kafka {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int POLL = 500;
    private static KafkaCompanion companion;

    private Kafka() {
    }

    public static synchronized KafkaCompanion companion() {
        if (companion == null) {
            companion = new KafkaCompanion(KafkaTestResource.bootstrapServers());
        }
        return companion;
    }

    public static String bootstrap() {
        return KafkaTestResource.bootstrapServers();
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Produces changes keyed account|email, as segment-service does. */
    public static void produce(MembershipChange... changes) {
        send(Arrays.stream(changes).map(c -> new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, c.contactKey().asKafkaKey(),
                EventJson.write(c))).toList());
    }

    /** Produces changes into one given partition (to put many contacts into one window partition). */
    public static void produceToPartition(int partition, List<MembershipChange> changes) {
        send(changes.stream().map(c -> new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, partition, c.contactKey().asKafkaKey(),
                EventJson.write(c))).toList());
    }

    public static void produceRaw(String key, String value) {
        send(List.of(new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, key, value)));
    }

    private static void send(List<ProducerRecord<String, String>> records) {
        companion().produceStrings().fromRecords(records).awaitCompletion(TIMEOUT);
    }

    /** Every record of a topic from the beginning up to its current end. */
    public static List<ConsumerRecord<String, String>> readAll(String topic) {
        Map<TopicPartition, Long> ends = endOffsets(topic);
        long total = ends.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return List.of();
        }
        Map<TopicPartition, Long> starts = new HashMap<>();
        ends.keySet().forEach(tp -> starts.put(tp, 0L));
        return companion().consumeStrings().fromOffsets(starts, total).awaitCompletion(TIMEOUT).getRecords();
    }

    public static Map<TopicPartition, Long> endOffsets(String topic) {
        int partitions = companion().topics().describe(topic).get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        companion().offsets().list(latest).forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    public static List<SyncBatch> batchesFor(String accountId) {
        return readAll(Topics.SYNC_BATCHES).stream().filter(r -> accountId.equals(r.key()))
                .map(r -> EventJson.read(r.value(), SyncBatch.class)).toList();
    }

    public static List<DeadLetter> deadLettersFor(String key) {
        return readAll(Topics.MEMBERSHIP_CHANGES_DLQ).stream().filter(r -> key.equals(r.key()))
                .map(r -> EventJson.read(r.value(), DeadLetter.class)).toList();
    }

    /** Records on the dead-letter topic whose key belongs to the account (either dead-letter format). */
    public static long deadLettersOfAccount(String accountId) {
        return readAll(Topics.MEMBERSHIP_CHANGES_DLQ).stream()
                .filter(r -> r.key() != null && r.key().startsWith(accountId + "|")).count();
    }

    /** True when the group has committed offsets up to the end of every partition of the changes topic. */
    public static boolean groupCaughtUp(String groupId) {
        Map<TopicPartition, OffsetAndMetadata> committed = companion().consumerGroups().offsets(groupId);
        return endOffsets(Topics.MEMBERSHIP_CHANGES).entrySet().stream().allMatch(e -> {
            OffsetAndMetadata c = committed.get(e.getKey());
            return e.getValue() == 0 || (c != null && c.offset() >= e.getValue());
        });
    }

    /** The app's consumer group (each test JVM has its own). */
    public static String appGroupId() {
        return ConfigProvider.getConfig().getValue("mp.messaging.incoming.segment-membership-changes-in.group.id", String.class);
    }

    /**
     * What an SRE's offset reset does: the whole of {@code segment-membership-changes}, from the earliest offset,
     * handed to the worker's own consumer method a poll at a time, as the channel does.
     *
     * @return how many records were replayed
     */
    public static int replay(MembershipChangeConsumer worker) {
        List<ConsumerRecord<String, String>> records = readAll(Topics.MEMBERSHIP_CHANGES);
        for (int from = 0; from < records.size(); from += POLL) {
            List<ConsumerRecord<String, String>> poll = records.subList(from, Math.min(records.size(), from + POLL));
            Reactive.await(() -> worker.apply(poll));
        }
        return records.size();
    }
}
