package com.nosto.klaviyo.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the hand-run ingest measurements of segment-service and sync-worker do on Kafka around the service they
 * time: publish the input as fast as the broker takes it, and time a bare consumer reading the same records (the
 * baseline their ratio is taken against).
 */
public final class KafkaMeasurements {

    private KafkaMeasurements() {
    }

    /** Sends every record (acks=all) and waits until the broker acknowledged all of them. */
    public static void publishAll(String bootstrapServers, List<ProducerRecord<String, String>> records) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
            for (ProducerRecord<String, String> r : records) {
                sent.add(producer.send(r));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Nanoseconds a plain consumer (own group) needs to read the last {@code count} records of {@code topic}, starting
     * each partition its share of {@code count} before its end (spread like the measured records were).
     */
    public static long bareConsumerReadNanos(String bootstrapServers, String topic, int count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bare-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long available = end.values().stream().mapToLong(Long::longValue).sum();
            consumer.seekToBeginning(partitions);
            if (available > count) {
                for (TopicPartition tp : partitions) {
                    long share = Math.round((double) end.get(tp) / available * count);
                    consumer.seek(tp, Math.max(0, end.get(tp) - share));
                }
            }
            long start = System.nanoTime();
            long read = 0;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            long nanos = System.nanoTime() - start;
            System.out.printf("bare consumer read %d records%n", read);
            return nanos;
        }
    }
}
