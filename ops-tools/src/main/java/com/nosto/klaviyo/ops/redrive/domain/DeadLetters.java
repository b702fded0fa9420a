package com.nosto.klaviyo.ops.redrive.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Reads a record of a dead-letter topic in either format that reaches those topics:
 * <ul>
 *   <li>the services' {@code DeadLetter} JSON (events/ DeadLetter.java): the payload as text, the key, the source
 *       topic, the reason; a payload cut to fit ({@code payloadTruncated}) cannot be re-published;</li>
 *   <li>SmallRye's {@code failure-strategy=dead-letter-queue}: the source record's key and value unchanged, its own
 *       headers, plus the connector's {@code dead-letter-*} headers (names as in
 *       {@code io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue}).</li>
 * </ul>
 * Pure: no I/O, so every rule has a plain unit test.
 */
public final class DeadLetters {

    public static final String HEADER_PREFIX = "dead-letter-";
    public static final String TOPIC_HEADER = "dead-letter-topic";
    public static final String PARTITION_HEADER = "dead-letter-partition";
    public static final String OFFSET_HEADER = "dead-letter-offset";
    public static final String REASON_HEADER = "dead-letter-reason";
    public static final String CAUSE_HEADER = "dead-letter-cause";
    public static final String EXCEPTION_CLASS_HEADER = "dead-letter-exception-class-name";
    public static final String CAUSE_CLASS_HEADER = "dead-letter-cause-class-name";

    /** The DeadLetter schema versions this tool knows how to re-publish. */
    static final int SCHEMA_VERSION = 1;
    /** How DeadLetter.shortKey marks a key it cut: the start, an ellipsis, and the whole key's SHA-256. */
    private static final Pattern CUT_KEY = Pattern.compile("…#sha256:[0-9a-f]{64}$");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private DeadLetters() {
    }

    /**
     * @param record     a record of a dead-letter topic
     * @param dlqTopics  the dead-letter topics being read: never a target, whatever a letter says
     */
    public static Letter read(ConsumerRecord<byte[], byte[]> record, Set<String> dlqTopics) {
        if (record.headers().lastHeader(TOPIC_HEADER) != null) {
            return fromChannel(record, dlqTopics);
        }
        JsonNode json = json(record.value());
        // Null fields are left out of a DeadLetter (a null payload is a tombstone's letter), so only these two are sure.
        JsonNode payload = json == null ? null : json.get("payload");
        if (json == null || !json.isObject() || !json.has("schemaVersion") || !(json.has("service") || json.has("sourceTopic"))
                || (payload != null && !payload.isTextual() && !payload.isNull())) {
            return new Letter(Letter.Format.UNKNOWN, null, record.key(), record.value(), List.of(), null, null,
                    recordTime(record), Skip.NOT_A_DEAD_LETTER);
        }
        return fromDeadLetter(record, json, dlqTopics);
    }

    private static Letter fromDeadLetter(ConsumerRecord<byte[], byte[]> record, JsonNode json, Set<String> dlqTopics) {
        String sourceTopic = text(json, "sourceTopic");
        String keyText = text(json, "key");
        String payload = text(json, "payload");
        byte[] key = keyText == null ? null : keyText.getBytes(StandardCharsets.UTF_8);
        byte[] value = payload == null ? null : payload.getBytes(StandardCharsets.UTF_8);
        Instant failedAt = instant(json.get("failedAt"));
        Skip skip = null;
        if (json.path("schemaVersion").asInt(-1) != SCHEMA_VERSION) {
            skip = Skip.UNKNOWN_SCHEMA_VERSION;
        } else if (json.path("payloadTruncated").asBoolean(false)) {
            skip = Skip.PAYLOAD_TRUNCATED;
        } else {
            skip = common(sourceTopic, key, value, dlqTopics);
            if (skip == null && keyText != null && CUT_KEY.matcher(keyText).find()) {
                skip = Skip.KEY_TRUNCATED;
            }
            if (skip == null && !matchesRecordedDigest(json, value)) {
                skip = Skip.PAYLOAD_MISMATCH;
            }
        }
        return new Letter(Letter.Format.DEAD_LETTER, sourceTopic, key, value, List.of(), text(json, "reason"),
                text(json, "errorType"), failedAt != null ? failedAt : recordTime(record), skip);
    }

    private static Letter fromChannel(ConsumerRecord<byte[], byte[]> record, Set<String> dlqTopics) {
        String sourceTopic = header(record, TOPIC_HEADER);
        String reason = header(record, REASON_HEADER);
        String cause = header(record, CAUSE_HEADER);
        String errorType = header(record, EXCEPTION_CLASS_HEADER);
        String causeType = header(record, CAUSE_CLASS_HEADER);
        List<Header> own = new ArrayList<>();
        for (Header h : record.headers()) {
            if (!h.key().startsWith(HEADER_PREFIX)) {
                own.add(h);
            }
        }
        return new Letter(Letter.Format.CHANNEL_FAILURE_STRATEGY, sourceTopic, record.key(), record.value(), List.copyOf(own),
                cause == null ? reason : reason + "; cause: " + cause,
                causeType == null ? errorType : errorType + "; cause: " + causeType,
                recordTime(record), common(sourceTopic, record.key(), record.value(), dlqTopics));
    }

    private static Skip common(String sourceTopic, byte[] key, byte[] value, Set<String> dlqTopics) {
        if (sourceTopic == null || sourceTopic.isBlank()) {
            return Skip.NO_SOURCE_TOPIC;
        }
        if (dlqTopics.contains(sourceTopic) || sourceTopic.endsWith("-dlq")) {
            return Skip.SOURCE_IS_DEAD_LETTER_TOPIC;
        }
        if (key == null) {
            return Skip.NO_KEY;
        }
        if (value == null) {
            return Skip.NO_PAYLOAD;
        }
        return null;
    }

    /** A letter that records the original's size or digest must re-encode to exactly those bytes. */
    private static boolean matchesRecordedDigest(JsonNode json, byte[] value) {
        JsonNode bytes = json.get("payloadBytes");
        if (bytes != null && bytes.isNumber() && bytes.asLong() != value.length) {
            return false;
        }
        JsonNode sha = json.get("payloadSha256");
        return sha == null || !sha.isTextual() || sha.asText().equalsIgnoreCase(sha256(value));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    private static JsonNode json(byte[] value) {
        if (value == null || value.length == 0) {
            return null;
        }
        try {
            return MAPPER.readTree(value);
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode json, String field) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** ISO-8601 text as the services write it; epoch seconds (with a fraction) as Jackson writes timestamps otherwise. */
    private static Instant instant(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            BigDecimal seconds = n.decimalValue();
            return Instant.ofEpochSecond(seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
        }
        try {
            return OffsetDateTime.parse(n.asText()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Instant recordTime(ConsumerRecord<byte[], byte[]> record) {
        return record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp());
    }
}
