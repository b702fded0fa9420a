package com.nosto.klaviyo.segment.support;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The tests' one Kafka client, SmallRye's {@link KafkaCompanion} on the JVM's test broker: sends records, and reads
 * each topic from its beginning once per JVM, keeping what arrived (each partition in order, so each contact's
 * records in order). Tests filter by their own account or key, since all tests share the broker.
 */
public final class Kafka {

    private static final Map<String, ConsumerTask<String, String>> TAILS = new ConcurrentHashMap<>();
    private static final Set<String> IGNORED_KEY_PREFIXES = ConcurrentHashMap.newKeySet();
    private static KafkaCompanion companion;

    private Kafka() {
    }

    public static synchronized KafkaCompanion companion() {
        if (companion == null) {
            companion = new KafkaCompanion(KafkaTestResource.bootstrapServers(), Duration.ofSeconds(30));
        }
        return companion;
    }

    /** Sends the records (in order) and returns once the broker acknowledged every one. */
    @SafeVarargs
    public static void send(ProducerRecord<String, String>... records) {
        send(List.of(records));
    }

    public static void send(List<ProducerRecord<String, String>> records) {
        companion().produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(60));
    }

    /** What arrived on {@code topic} so far that matches {@code filter}, in arrival order. */
    public static List<ConsumerRecord<String, String>> records(String topic, Predicate<ConsumerRecord<String, String>> filter) {
        return TAILS.computeIfAbsent(topic, Kafka::tail).stream().filter(filter).toList();
    }

    /** The records of {@code topic} whose key starts with {@code prefix}. */
    public static List<ConsumerRecord<String, String>> keyedWith(String topic, String prefix) {
        return records(topic, r -> r.key() != null && r.key().startsWith(prefix));
    }

    /**
     * Records whose key starts with {@code prefix} are no longer kept: for a test that counts its records itself, so
     * what the tails hold does not grow with its size.
     */
    public static void ignoreKeysStartingWith(String prefix) {
        IGNORED_KEY_PREFIXES.add(prefix);
    }

    private static ConsumerTask<String, String> tail(String topic) {
        return companion().consumeStrings().withProp("max.poll.records", "5000").withProp("auto.offset.reset", "earliest")
                .fromTopics(topic, records -> records.select().where(r -> r.key() == null
                        || IGNORED_KEY_PREFIXES.stream().noneMatch(r.key()::startsWith)));
    }
}
