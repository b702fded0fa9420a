package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The broker process that tests and the local run use: real records in and out, and no process left after stop. */
class LocalKafkaBrokerTest {

    @Test
    void carriesRecordsAndLeavesNoProcessBehind() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.start();
        String servers = broker.bootstrapServers();
        int port = Integer.parseInt(servers.substring(servers.lastIndexOf(':') + 1));
        try {
            KafkaTestResource.createTopics(servers, Map.of("probe", 3));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                producer.send(new ProducerRecord<>("probe", "k", "hello")).get();
            }
            // Fresh topics are led when createTopics returns: every partition's leader answers at once, no retry
            // (an idempotent producer's first write to a partition not led yet was refused for good in CI runs).
            Map<String, Integer> fresh = Map.of("fresh-a", 6, "fresh-b", 6);
            KafkaTestResource.createTopics(servers, fresh);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                    AdminClientConfig.RETRIES_CONFIG, 0))) {
                Map<TopicPartition, OffsetSpec> all = new HashMap<>();
                fresh.forEach((topic, n) -> IntStream.range(0, n).forEach(i -> all.put(new TopicPartition(topic, i), OffsetSpec.latest())));
                assertThat(admin.listOffsets(all).all().get(10, TimeUnit.SECONDS)).hasSize(12);
            }
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-test");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of("probe"));
                List<String> seen = new java.util.ArrayList<>();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        seen.add(r.value());
                    }
                    return seen.contains("hello");
                });
            }
        } finally {
            broker.close();
        }
        assertThat(Ports.open("127.0.0.1", port)).as("broker port closed after stop").isFalse();
        assertThat(ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("kafka.Kafka"))
                .filter(p -> p.info().commandLine().orElse("").contains("kafka-test-")))
                .as("no broker process of this test left").isEmpty();
    }

    /**
     * A cluster id is base64url, so one in 64 random ids starts with '-', which kafka-storage's parser reads as an
     * option ("--cluster-id: expected one argument"). A folder holding such an id (or a cut-off one) still starts.
     */
    @Test
    void startsWhatEverClusterIdTheFolderHolds() throws Exception {
        for (String stored : List.of("-Ab3dEfGhIjKlMnOpQrStU", "AbCdE")) {
            Path dataDir = Files.createTempDirectory("kafka-test-");
            Files.writeString(dataDir.resolve("cluster.id"), stored + "\n");
            try (LocalKafkaBroker broker = LocalKafkaBroker.start(dataDir)) {
                String id = Files.readString(dataDir.resolve("cluster.id")).strip();
                assertThat(id).hasSize(22).doesNotStartWith("-");
                KafkaTestResource.createTopics(broker.bootstrapServers(), Map.of("probe-" + stored.length(), 1));
            }
        }
    }

    /** A broker outage in a test: stopped, then started again on the same ports with its records. */
    @Test
    void restartsOnTheSamePortsWithItsRecords() throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            String servers = broker.bootstrapServers();
            int port = Integer.parseInt(servers.substring(servers.lastIndexOf(':') + 1));
            KafkaTestResource.createTopics(servers, Map.of("kept", 1));
            send(servers, "before");

            broker.stop();
            assertThat(Ports.open("127.0.0.1", port)).as("port closed while stopped").isFalse();
            broker.restart();

            assertThat(broker.bootstrapServers()).isEqualTo(servers);
            send(servers, "after");
            assertThat(readAll(servers, "kept", 2)).containsExactly("before", "after");
        }
    }

    private static void send(String servers, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>("kept", "k", value)).get(60, TimeUnit.SECONDS);
        }
    }

    private static List<String> readAll(String servers, String topic, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            TopicPartition p = new TopicPartition(topic, 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            List<String> seen = new java.util.ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                return seen.size() >= expected;
            });
            return seen;
        }
    }
}
