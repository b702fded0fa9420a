package com.nosto.klaviyo.e2e.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka as other Nosto services and SREs use it: publishing segment events, consumer-group lag, offset resets. */
public final class KafkaTools implements AutoCloseable {

    private final String servers;
    private final KafkaProducer<String, String> producer;
    private final Admin admin;
    private final AtomicLong failedSends = new AtomicLong();

    public KafkaTools(String servers) {
        this.servers = servers;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        this.admin = Admin.create(props);
    }

    /** Publishes on {@code segment-events}, keyed by contact so one contact's events stay in order. */
    public void publish(SegmentEvent event) {
        try {
            String key = new ContactKey(event.accountId(), event.email()).asKafkaKey();
            producer.send(new ProducerRecord<>(Topics.SEGMENT_EVENTS, key, EventJson.mapper().writeValueAsString(event)), this::sent);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public void publishRaw(String key, String payload) {
        publishRaw(Topics.SEGMENT_EVENTS, key, payload);
    }

    /** Publishes a record as given on any topic (a benchmark feeding a service's own input topic). */
    public void publishRaw(String topic, String key, String payload) {
        producer.send(new ProducerRecord<>(topic, key, payload), this::sent);
    }

    private void sent(RecordMetadata metadata, Exception failure) {
        if (failure != null) {
            failedSends.incrementAndGet();
        }
    }

    /** Sends the broker refused for good (after the producer's own retries): the test's input is then incomplete. */
    public long failedSends() {
        return failedSends.get();
    }

    public void flush() {
        producer.flush();
    }

    /** Records on {@code topic} now (end minus start offsets over all partitions). */
    public long records(String topic) {
        try {
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicPartition p : partitions(topic)) {
                earliest.put(p, OffsetSpec.earliest());
                latest.put(p, OffsetSpec.latest());
            }
            long count = 0;
            for (var e : admin.listOffsets(latest).all().get().entrySet()) {
                count += e.getValue().offset();
            }
            for (var e : admin.listOffsets(earliest).all().get().entrySet()) {
                count -= e.getValue().offset();
            }
            return count;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Every record of {@code topic} from the beginning to its current end, in offset order per partition. */
    public List<ConsumerRecord<String, String>> readAll(String topic) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000,
                // What a consumer is meant to see: records of aborted producer transactions are not.
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = partitions(topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> out = new ArrayList<>();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within 60 s");
                }
                consumer.poll(java.time.Duration.ofMillis(500)).forEach(out::add);
            }
            return out;
        }
    }

    private List<TopicPartition> partitions(String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Records of {@code topic} not yet committed by {@code group} (0 when fully caught up). */
    public long lag(String group, String topic) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                    partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get();
            long lag = 0;
            for (TopicPartition p : partitions) {
                OffsetAndMetadata c = committed.get(p);
                lag += ends.get(p).offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    public Collection<String> groups() {
        try {
            return admin.listConsumerGroups().all().get().stream().map(g -> g.groupId()).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Rewinds a consumer group to the earliest offset with the SRE's tool, {@code kafka-consumer-groups}
     * (through deploy/local/kafka, the runbook's command). The group must have no live members.
     */
    public String resetToEarliest(String group, String topic) {
        return resetOffsets(group, topic, "--to-earliest");
    }

    /**
     * Rewinds a consumer group to the first record of each partition written at or after {@code at} (record
     * timestamps), the runbook's "replay since the incident" ({@code --to-datetime}, given in UTC). The group must
     * have no live members.
     */
    public String resetToDatetime(String group, String topic, Instant at) {
        String utc = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC).format(at);
        return resetOffsets(group, topic, "--to-datetime", utc + "Z");
    }

    /** The committed offset of each partition of {@code topic} for {@code group} (partitions without one left out). */
    public Map<Integer, Long> committed(String group, String topic) {
        try {
            Map<Integer, Long> out = new TreeMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, om) -> {
                if (tp.topic().equals(topic) && om != null) {
                    out.put(tp.partition(), om.offset());
                }
            });
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private String resetOffsets(String group, String topic, String... mode) {
        Path root = ProjectRoot.find();
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("deploy/local/kafka").toString(), "reset-offsets", group, topic));
        cmd.addAll(List.of(mode));
        cmd.add("--execute");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", servers);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("reset-offsets failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close();
        admin.close();
    }

}
