package com.nosto.klaviyo.ops.redrive.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.ops.redrive.Letters;
import io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    static final Instant FAILED = Instant.parse("2026-11-29T09:00:00Z");
    static final Set<String> DLQS = Set.of("segment-events-dlq");

    static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>("segment-events-dlq", 0, 7L, FAILED.toEpochMilli() + 5, TimestampType.CREATE_TIME, -1, -1,
                key, value, headers, Optional.empty());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static RecordHeaders channelHeaders(String sourceTopic) {
        RecordHeaders h = new RecordHeaders();
        h.add("traceparent", utf8("00-abc-def-01"));
        h.add(DeadLetters.EXCEPTION_CLASS_HEADER, utf8("java.lang.IllegalStateException"));
        h.add(DeadLetters.REASON_HEADER, utf8("storage failed past its retries"));
        h.add(DeadLetters.CAUSE_CLASS_HEADER, utf8("java.net.ConnectException"));
        h.add(DeadLetters.CAUSE_HEADER, utf8("Connection refused"));
        h.add(DeadLetters.TOPIC_HEADER, utf8(sourceTopic));
        h.add(DeadLetters.PARTITION_HEADER, utf8("3"));
        h.add(DeadLetters.OFFSET_HEADER, utf8("18211"));
        return h;
    }

    @Test
    void aDeadLetterGivesBackThePayloadBytesAndKeyExactly() {
        byte[] json = Letters.deadLetter("segment-events", Letters.NASTY_KEY, Letters.NASTY_PAYLOAD, "invalid", "INVALID", FAILED);

        Letter letter = DeadLetters.read(record(utf8("ignored"), json, new RecordHeaders()), DLQS);

        assertThat(letter.format()).isEqualTo(Letter.Format.DEAD_LETTER);
        assertThat(letter.redrivable()).isTrue();
        assertThat(letter.sourceTopic()).isEqualTo("segment-events");
        assertThat(letter.value()).isEqualTo(utf8(Letters.NASTY_PAYLOAD));
        assertThat(letter.key()).isEqualTo(utf8(Letters.NASTY_KEY));
        assertThat(letter.headers()).isEmpty();
        assertThat(letter.failedAt()).isEqualTo(FAILED);
        assertThat(letter.account()).isEqualTo("acme");
    }

    @Test
    void aChannelDeadLetterKeepsKeyValueAndItsOwnHeadersButNoDeadLetterHeader() {
        byte[] value = utf8(Letters.NASTY_PAYLOAD);

        Letter letter = DeadLetters.read(record(utf8(Letters.NASTY_KEY), value, channelHeaders("segment-events")), DLQS);

        assertThat(letter.format()).isEqualTo(Letter.Format.CHANNEL_FAILURE_STRATEGY);
        assertThat(letter.redrivable()).isTrue();
        assertThat(letter.sourceTopic()).isEqualTo("segment-events");
        assertThat(letter.key()).isEqualTo(utf8(Letters.NASTY_KEY));
        assertThat(letter.value()).isEqualTo(value);
        assertThat(letter.headers()).extracting(h -> h.key()).containsExactly("traceparent");
        assertThat(letter.reason()).isEqualTo("storage failed past its retries; cause: Connection refused");
        assertThat(letter.errorType()).isEqualTo("java.lang.IllegalStateException; cause: java.net.ConnectException");
        assertThat(letter.failedAt()).isEqualTo(FAILED.plusMillis(5));
    }

    @Test
    void headerNamesAreTheOnesSmallRyesConnectorWrites() {
        assertThat(DeadLetters.TOPIC_HEADER).isEqualTo(KafkaDeadLetterQueue.DEAD_LETTER_TOPIC);
        assertThat(DeadLetters.PARTITION_HEADER).isEqualTo(KafkaDeadLetterQueue.DEAD_LETTER_PARTITION);
        assertThat(DeadLetters.OFFSET_HEADER).isEqualTo(KafkaDeadLetterQueue.DEAD_LETTER_OFFSET);
        assertThat(DeadLetters.REASON_HEADER).isEqualTo(KafkaDeadLetterQueue.DEAD_LETTER_REASON);
        assertThat(DeadLetters.CAUSE_HEADER).isEqualTo(KafkaDeadLetterQueue.DEAD_LETTER_CAUSE);
        assertThat(DeadLetters.EXCEPTION_CLASS_HEADER).isEqualTo(KafkaDeadLetterQueue.DEAD_LETTER_EXCEPTION_CLASS_NAME);
        assertThat(DeadLetters.CAUSE_CLASS_HEADER).isEqualTo(KafkaDeadLetterQueue.DEAD_LETTER_CAUSE_CLASS_NAME);
    }

    @Test
    void aTruncatedPayloadIsNotRedrivable() {
        byte[] json = Letters.deadLetter("segment-events", "acme|a@example.com", Letters.oversized(), "invalid", "INVALID", FAILED);

        Letter letter = DeadLetters.read(record(null, json, new RecordHeaders()), DLQS);

        assertThat(json(json).path("payloadTruncated").asBoolean()).isTrue();
        assertThat(letter.skip()).isEqualTo(Skip.PAYLOAD_TRUNCATED);
    }

    @Test
    void aPayloadThatDoesNotMatchItsRecordedDigestIsNotRedrivable() {
        ObjectNode letter = (ObjectNode) json(Letters.deadLetter("segment-events", "acme|a@example.com", "{\"a\":1}", "r", "T", FAILED));
        ObjectNode otherSize = letter.deepCopy().put("payloadBytes", 8);
        letter.put("payloadSha256", "00".repeat(32));

        assertThat(DeadLetters.read(record(null, bytes(letter), new RecordHeaders()), DLQS).skip()).isEqualTo(Skip.PAYLOAD_MISMATCH);
        assertThat(DeadLetters.read(record(null, bytes(otherSize), new RecordHeaders()), DLQS).skip()).isEqualTo(Skip.PAYLOAD_MISMATCH);
    }

    @Test
    void aLetterCarriesTheDigestOfItsPayloadWhichTheReaderChecks() {
        JsonNode letter = json(Letters.deadLetter("segment-events", "acme|a@example.com", Letters.NASTY_PAYLOAD, "r", "T", FAILED));

        assertThat(letter.path("payloadSha256").asText()).isEqualTo(DeadLetters.sha256(utf8(Letters.NASTY_PAYLOAD)));
        assertThat(DeadLetters.read(record(null, bytes((ObjectNode) letter), new RecordHeaders()), DLQS).skip()).isNull();
    }

    @Test
    void aCutKeyIsNotRedrivable() {
        String longKey = "acme|" + "x".repeat(600) + "@example.com";
        byte[] json = Letters.deadLetter("segment-events", longKey, "{}", "key too long", "INVALID", FAILED);

        assertThat(json(json).path("key").asText()).isNotEqualTo(longKey);
        assertThat(DeadLetters.read(record(null, json, new RecordHeaders()), DLQS).skip()).isEqualTo(Skip.KEY_TRUNCATED);
    }

    @Test
    void aNullPayloadOrKeyIsNotRedrivable() {
        byte[] tombstone = Letters.deadLetter("segment-membership-changes", "acme|a@example.com", null, "null value", "INVALID", FAILED);
        byte[] keyless = Letters.deadLetter("segment-events", null, "{}", "no key", "INVALID", FAILED);

        assertThat(DeadLetters.read(record(null, tombstone, new RecordHeaders()), DLQS).skip()).isEqualTo(Skip.NO_PAYLOAD);
        assertThat(DeadLetters.read(record(null, keyless, new RecordHeaders()), DLQS).skip()).isEqualTo(Skip.NO_KEY);
        assertThat(DeadLetters.read(record(null, utf8("{}"), channelHeaders("segment-events")), DLQS).skip()).isEqualTo(Skip.NO_KEY);
        assertThat(DeadLetters.read(record(utf8("acme|a@example.com"), null, channelHeaders("segment-events")), DLQS).skip())
                .isEqualTo(Skip.NO_PAYLOAD);
    }

    @Test
    void aDeadLetterTopicIsNeverATarget() {
        byte[] json = Letters.deadLetter("segment-events-dlq", "acme|a@example.com", "{}", "r", "T", FAILED);

        assertThat(DeadLetters.read(record(null, json, new RecordHeaders()), DLQS).skip()).isEqualTo(Skip.SOURCE_IS_DEAD_LETTER_TOPIC);
        assertThat(DeadLetters.read(record(utf8("k"), utf8("{}"), channelHeaders("other-dlq")), DLQS).skip())
                .isEqualTo(Skip.SOURCE_IS_DEAD_LETTER_TOPIC);
    }

    @Test
    void anUnknownSchemaVersionIsNotRedrivable() {
        ObjectNode letter = (ObjectNode) json(Letters.deadLetter("segment-events", "acme|a@example.com", "{}", "r", "T", FAILED));
        letter.put("schemaVersion", 2);

        assertThat(DeadLetters.read(record(null, bytes(letter), new RecordHeaders()), DLQS).skip()).isEqualTo(Skip.UNKNOWN_SCHEMA_VERSION);
    }

    @Test
    void anythingElseIsNotADeadLetter() {
        Letter notJson = DeadLetters.read(record(utf8("k"), utf8("not json {"), new RecordHeaders()), DLQS);
        Letter otherJson = DeadLetters.read(record(utf8("k"), utf8("{\"accountId\":\"acme\"}"), new RecordHeaders()), DLQS);

        assertThat(notJson.format()).isEqualTo(Letter.Format.UNKNOWN);
        assertThat(notJson.skip()).isEqualTo(Skip.NOT_A_DEAD_LETTER);
        assertThat(otherJson.skip()).isEqualTo(Skip.NOT_A_DEAD_LETTER);
    }

    @Test
    void failedAtWrittenAsEpochSecondsIsReadToo() {
        ObjectNode letter = (ObjectNode) json(Letters.deadLetter("segment-events", "acme|a@example.com", "{}", "r", "T", FAILED));
        letter.put("failedAt", new java.math.BigDecimal("1795942800.250000000"));

        assertThat(DeadLetters.read(record(null, bytes(letter), new RecordHeaders()), DLQS).failedAt())
                .isEqualTo(Instant.ofEpochSecond(1795942800L, 250_000_000L));
    }

    @Test
    void theAccountIsTheKeysPartBeforeTheBar() {
        Letter contact = DeadLetters.read(record(utf8("acme|a@example.com"), utf8("{}"), channelHeaders("segment-events")), DLQS);
        Letter batch = DeadLetters.read(record(utf8("acme"), utf8("{}"), channelHeaders("klaviyo-sync-batches")), DLQS);

        assertThat(contact.account()).isEqualTo("acme");
        assertThat(batch.account()).isEqualTo("acme");
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(bytes);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
