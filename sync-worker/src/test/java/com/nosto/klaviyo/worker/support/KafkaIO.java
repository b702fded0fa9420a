package com.nosto.klaviyo.worker.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients against the test broker: produce changes, read batches and dead letters. */
public final class KafkaIO {

    private KafkaIO() {
    }

    public static String bootstrap() {
        return KafkaTestResource.bootstrapServers();
    }

    public static String json(Object value) {
        try {
            return EventJson.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Produces changes keyed account|email, as segment-service does. */
    public static void produce(MembershipChange... changes) {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (MembershipChange c : changes) {
            records.add(new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, c.contactKey().asKafkaKey(), json(c)));
        }
        send(records);
    }

    /** Produces changes into one given partition (to put many contacts into one window partition). */
    public static void produceToPartition(int partition, List<MembershipChange> changes) {
        send(changes.stream().map(c -> new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, partition, c.contactKey().asKafkaKey(),
                json(c))).toList());
    }

    public static void produceRaw(String key, String value) {
        send(List.of(new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, key, value)));
    }

    private static void send(List<ProducerRecord<String, String>> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            records.forEach(r -> sent.add(producer.send(r)));
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("produce failed", e);
        }
    }

    /** Every record of a topic from the beginning up to its current end. */
    public static List<ConsumerRecord<String, String>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    public static List<SyncBatch> batchesFor(String accountId) {
        return readAll(Topics.SYNC_BATCHES).stream().filter(r -> accountId.equals(r.key()))
                .map(r -> parse(r.value(), SyncBatch.class)).toList();
    }

    public static List<DeadLetter> deadLettersFor(String key) {
        return readAll(Topics.MEMBERSHIP_CHANGES_DLQ).stream().filter(r -> key.equals(r.key()))
                .map(r -> parse(r.value(), DeadLetter.class)).toList();
    }

    /** True when the group has committed offsets up to the end of every partition of the changes topic. */
    public static boolean groupCaughtUp(String groupId) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int i = 0; i < 6; i++) {
                latest.put(new TopicPartition(Topics.MEMBERSHIP_CHANGES, i), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            return ends.entrySet().stream().allMatch(e -> {
                OffsetAndMetadata c = committed.get(e.getKey());
                return e.getValue() == 0 || (c != null && c.offset() >= e.getValue());
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static <T> T parse(String json, Class<T> type) {
        try {
            return EventJson.mapper().readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
