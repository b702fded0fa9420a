package com.nosto.klaviyo.ops.redrive;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.ops.redrive.domain.LetterFilter;
import com.nosto.klaviyo.ops.redrive.domain.Skip;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The redrive tool against a real broker (test-support's): both dead-letter formats come back to their source topic
 * byte for byte with their keys, filters pick what was asked for, a dry run publishes nothing, a truncated letter is
 * skipped and reported, and the tool reads a snapshot without joining any consumer group.
 */
class RedriveTest {

    static final Instant T = Instant.parse("2026-11-29T09:00:00Z");
    static String servers;

    String source;
    String dlq;
    KafkaProducer<byte[], byte[]> producer;
    final List<String> lines = new ArrayList<>();

    @BeforeAll
    static void broker() {
        servers = KafkaTestResource.bootstrapServers();
    }

    @BeforeEach
    void topics() {
        String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
        source = prefix + "segment-events";
        dlq = prefix + "segment-events-dlq";
        KafkaTestResource.createTopics(servers, Map.of(source, 3, dlq, 1));
        Properties p = clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void close() {
        producer.close();
    }

    static Properties clientConfig() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, servers);
        return p;
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    void dead(byte[] key, byte[] value, RecordHeaders headers) {
        try {
            producer.send(new ProducerRecord<>(dlq, null, null, key, value, headers)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A record as the services' handlers dead-letter it: DeadLetter JSON, keyed like the source record. */
    void deadLetter(String key, String payload, String reason, Instant failedAt) {
        dead(utf8(key), Letters.deadLetter(source, key, payload, reason, "INVALID", failedAt), new RecordHeaders());
    }

    /** A record as SmallRye's dead-letter-queue strategy forwards it: key and value unchanged, its headers, dead-letter-*. */
    void channelDeadLetter(String key, byte[] value, String reason) {
        RecordHeaders h = new RecordHeaders();
        h.add("traceparent", utf8("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        h.add("dead-letter-exception-class-name", utf8("java.lang.IllegalStateException"));
        h.add("dead-letter-reason", utf8(reason));
        h.add("dead-letter-topic", utf8(source));
        h.add("dead-letter-partition", utf8("2"));
        h.add("dead-letter-offset", utf8("99"));
        dead(utf8(key), value, h);
    }

    RedriveReport redrive(LetterFilter filter, boolean dryRun) {
        return new Redrive(clientConfig(), lines::add).run(new Redrive.Options(List.of(dlq), filter, dryRun, Duration.ofSeconds(30)));
    }

    /** Everything on the source topic now (the tool returns only once the broker acknowledged what it sent). */
    List<ConsumerRecord<byte[], byte[]>> sourceRecords() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(clientConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(source).stream().map(p -> new TopicPartition(source, p.partition())).toList();
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long total = end.values().stream().mapToLong(Long::longValue).sum();
            c.assign(parts);
            c.seekToBeginning(parts);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < total && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    static Set<String> groups() {
        try (Admin admin = Admin.create(clientConfig())) {
            return Set.copyOf(admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream().map(ConsumerGroupListing::groupId).toList());
        } catch (InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void deadLetterPayloadsComeBackByteForByteWithTheirKeys() {
        String other = "acme|plain@example.com";
        deadLetter(Letters.NASTY_KEY, Letters.NASTY_PAYLOAD, "invalid", T);
        deadLetter(other, "{\"multi\":\"line\"}\n{\"second\":\"\\u00e9\"}", "invalid", T);

        RedriveReport report = redrive(LetterFilter.all(), false);

        List<ConsumerRecord<byte[], byte[]>> back = sourceRecords();
        assertThat(report.published()).isEqualTo(2);
        assertThat(back).hasSize(2);
        assertThat(back).anySatisfy(r -> {
            assertThat(r.key()).isEqualTo(utf8(Letters.NASTY_KEY));
            assertThat(r.value()).isEqualTo(utf8(Letters.NASTY_PAYLOAD));
            assertThat(r.headers().toArray()).isEmpty();
        });
        assertThat(back).anySatisfy(r -> {
            assertThat(r.key()).isEqualTo(utf8(other));
            assertThat(r.value()).isEqualTo(utf8("{\"multi\":\"line\"}\n{\"second\":\"\\u00e9\"}"));
        });
    }

    @Test
    void channelDeadLettersComeBackByteForByteWithTheirKeysAndWithoutDeadLetterHeaders() {
        byte[] value = utf8(Letters.NASTY_PAYLOAD);
        channelDeadLetter(Letters.NASTY_KEY, value, "storage failed past its retries");

        RedriveReport report = redrive(LetterFilter.all(), false);

        List<ConsumerRecord<byte[], byte[]>> back = sourceRecords();
        assertThat(report.published()).isEqualTo(1);
        assertThat(back).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(utf8(Letters.NASTY_KEY));
            assertThat(r.value()).isEqualTo(value);
            assertThat(r.headers().toArray()).extracting(Header::key).containsExactly("traceparent");
        });
    }

    @Test
    void aRecordGoesBackToThePartitionItsKeyHashesTo() {
        channelDeadLetter(Letters.NASTY_KEY, utf8("{}"), "r");
        deadLetter(Letters.NASTY_KEY, "{}", "r", T);

        redrive(LetterFilter.all(), false);

        assertThat(sourceRecords()).hasSize(2).extracting(ConsumerRecord::partition).containsOnly(sourceRecords().get(0).partition());
    }

    @Test
    void filtersByReason() {
        deadLetter("acme|a@example.com", "{\"n\":1}", "database unavailable after 5 retries", T);
        deadLetter("acme|b@example.com", "{\"n\":2}", "Unexpected character", T);
        channelDeadLetter("acme|c@example.com", utf8("{\"n\":3}"), "Database timed out");

        RedriveReport report = redrive(new LetterFilter(null, Pattern.compile("(?i)database"), null, null, null, null, null), false);

        assertThat(report.read()).isEqualTo(3);
        assertThat(report.matched()).isEqualTo(2);
        assertThat(sourceRecords()).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder("{\"n\":1}", "{\"n\":3}");
    }

    @Test
    void filtersByTime() {
        deadLetter("acme|a@example.com", "{\"n\":1}", "r", T.minusSeconds(60));
        deadLetter("acme|b@example.com", "{\"n\":2}", "r", T);
        deadLetter("acme|c@example.com", "{\"n\":3}", "r", T.plusSeconds(3600));

        RedriveReport report = redrive(new LetterFilter(null, null, null, T, T.plusSeconds(3600), null, null), false);

        assertThat(report.matched()).isEqualTo(1);
        assertThat(sourceRecords()).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("{\"n\":2}");
    }

    @Test
    void filtersByAccount() {
        deadLetter("acme|a@example.com", "{\"n\":1}", "r", T);
        deadLetter("globex|a@example.com", "{\"n\":2}", "r", T);
        channelDeadLetter("acme", utf8("{\"n\":3}"), "r");

        RedriveReport report = redrive(new LetterFilter(null, null, null, null, null, Set.of("acme"), null), false);

        assertThat(report.matched()).isEqualTo(2);
        assertThat(sourceRecords()).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder("acme|a@example.com", "acme");
    }

    @Test
    void aDryRunPublishesNothingAndSaysWhatItWould() {
        deadLetter("acme|jane@example.com", "{\"n\":1}", "invalid", T);
        channelDeadLetter("acme|john@example.com", utf8("{\"n\":2}"), "r");

        RedriveReport report = redrive(LetterFilter.all(), true);

        assertThat(report.published()).isEqualTo(2);
        assertThat(report.summary()).contains("DRY RUN").contains("would publish: 2");
        assertThat(lines).hasSize(2).allMatch(l -> l.startsWith("would publish") && l.contains(source));
        assertThat(String.join("\n", lines)).doesNotContain("jane").doesNotContain("john");
        assertThat(sourceRecords()).isEmpty();
    }

    @Test
    void aTruncatedLetterIsSkippedAndReported() {
        deadLetter("acme|a@example.com", "{\"n\":1}", "invalid", T);
        deadLetter("acme|b@example.com", Letters.oversized(), "invalid", T);

        RedriveReport report = redrive(LetterFilter.all(), false);

        assertThat(report.published()).isEqualTo(1);
        assertThat(report.skipped()).containsExactly(Map.entry(Skip.PAYLOAD_TRUNCATED, 1L));
        assertThat(report.summary()).contains("PAYLOAD_TRUNCATED");
        assertThat(lines).anyMatch(l -> l.startsWith("skip") && l.contains("PAYLOAD_TRUNCATED"));
        assertThat(sourceRecords()).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("{\"n\":1}");
    }

    @Test
    void readsOnlyTheLettersThereAtStartAndJoinsNoConsumerGroup() {
        deadLetter("acme|a@example.com", "{\"n\":1}", "r", T);
        deadLetter("acme|b@example.com", "{\"n\":2}", "r", T);
        Set<String> groupsBefore = groups();
        // A letter written while the tool runs (e.g. one its own records caused) waits for the next run.
        Redrive redrive = new Redrive(clientConfig(), line -> {
            if (lines.isEmpty()) {
                deadLetter("acme|late@example.com", "{\"n\":3}", "r", T);
            }
            lines.add(line);
        });

        RedriveReport report = redrive.run(new Redrive.Options(List.of(dlq), LetterFilter.all(), false, Duration.ofSeconds(30)));

        assertThat(report.read()).isEqualTo(2);
        assertThat(report.published()).isEqualTo(2);
        assertThat(sourceRecords()).hasSize(2);
        assertThat(groups()).isEqualTo(groupsBefore);
    }

    @Test
    void theCommandLineRunsADryRunAndPrintsTheReport() {
        deadLetter("acme|jane@example.com", "{\"n\":1}", "invalid", T);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();

        int exit = RedriveMain.run(new String[] {"--topic", dlq, "--dry-run", "--account", "acme", "--reason", "INVALID"},
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8), new java.io.PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("KAFKA_BOOTSTRAP_SERVERS", servers));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        assertThat(printed).contains("would publish: 1").contains("matched:   1").doesNotContain("jane");
        assertThat(sourceRecords()).isEmpty();
    }

    @Test
    void theCommandLineRefusesBadArguments() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream errStream = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);

        int noTopic = RedriveMain.run(new String[] {"--dry-run"}, System.out, errStream, Map.of());
        int badTime = RedriveMain.run(new String[] {"--topic", dlq, "--from", "yesterday"}, System.out, errStream, Map.of());

        assertThat(noTopic).isEqualTo(2);
        assertThat(badTime).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--topic is required").contains("ISO-8601");
    }
}
