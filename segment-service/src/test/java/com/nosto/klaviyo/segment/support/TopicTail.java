package com.nosto.klaviyo.segment.support;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic from the beginning on a background thread, once per JVM, and keeps every record in
 * arrival order (per partition, which is per contact for keyed topics). Tests filter by their own
 * unique account or key, since all tests share one broker.
 */
public final class TopicTail {

    private static final Map<String, TopicTail> TAILS = new ConcurrentHashMap<>();
    private static final Set<String> IGNORED_KEY_PREFIXES = ConcurrentHashMap.newKeySet();

    private final List<ConsumerRecord<String, String>> records = new ArrayList<>();

    private TopicTail(String topic) {
        Thread t = new Thread(() -> run(topic), "tail-" + topic);
        t.setDaemon(true);
        t.start();
    }

    public static TopicTail of(String topic) {
        return TAILS.computeIfAbsent(topic, TopicTail::new);
    }

    /**
     * Records whose key starts with {@code prefix} are no longer kept (by any tail): for a test that counts
     * records itself and measures the heap, so what this class holds does not grow with its size.
     */
    public static void ignoreKeysStartingWith(String prefix) {
        IGNORED_KEY_PREFIXES.add(prefix);
    }

    public List<ConsumerRecord<String, String>> matching(Predicate<ConsumerRecord<String, String>> filter) {
        synchronized (records) {
            return records.stream().filter(filter).toList();
        }
    }

    private void run(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (true) {
                var batch = consumer.poll(Duration.ofMillis(200));
                if (!batch.isEmpty()) {
                    synchronized (records) {
                        batch.forEach(r -> {
                            if (r.key() == null || IGNORED_KEY_PREFIXES.stream().noneMatch(r.key()::startsWith)) {
                                records.add(r);
                            }
                        });
                    }
                }
            }
        }
    }
}
