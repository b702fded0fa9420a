package com.nosto.klaviyo.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What a service writes to a {@code *-dlq} topic for a record that is itself bad (malformed, invalid): the
 * original bytes (as text) and where they came from, plus a reason a person can act on. Keyed like the
 * original record. Never written for valid work that met an outage: consumers wait and retry instead.
 *
 * <p>A dead letter always fits on its topic: a payload longer than {@link #MAX_PAYLOAD_BYTES} is cut (on a
 * character boundary), {@code payloadTruncated} is true and {@code payloadSha256} and {@code payloadBytes}
 * identify the original, so a record of any size can be dead-lettered and never holds its partition. A
 * truncated letter cannot be redriven; its source record is found by {@code sourceTopic}/partition/offset.
 *
 * @param payloadTruncated true when {@code payload} is only the start of the original value
 * @param payloadBytes     size of the original value in UTF-8 bytes (null for a null value)
 * @param payloadSha256    SHA-256 of the original value's UTF-8 bytes, hex (null for a null value)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(
        int schemaVersion,
        String service,
        String sourceTopic,
        Integer sourcePartition,
        Long sourceOffset,
        String key,
        String payload,
        String reason,
        String errorType,
        Instant failedAt,
        boolean payloadTruncated,
        Integer payloadBytes,
        String payloadSha256) {

    public static final int SCHEMA_VERSION = 1;
    /** Room for any valid record of the contract many times over, far below Kafka's 1 MB default request size. */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;
    /** Keys are account|email (≤ 320 characters when valid); a longer one is cut, with its hash kept. */
    public static final int MAX_KEY_CHARS = 512;
    public static final int MAX_REASON_CHARS = 2048;

    /**
     * A dead letter for a source record, with the payload, key and reason cut to what always fits.
     *
     * @param value the source record's value as text; null for a null value
     */
    public static DeadLetter of(String service, String sourceTopic, Integer sourcePartition, Long sourceOffset, String key,
            String value, String errorType, String reason, Instant failedAt) {
        byte[] bytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        boolean cut = bytes != null && bytes.length > MAX_PAYLOAD_BYTES;
        return new DeadLetter(SCHEMA_VERSION, service, sourceTopic, sourcePartition, sourceOffset, shortKey(key),
                cut ? prefix(value, MAX_PAYLOAD_BYTES) : value, clip(reason, MAX_REASON_CHARS), errorType, failedAt, cut,
                bytes == null ? null : bytes.length, bytes == null ? null : sha256(bytes));
    }

    /** The key a dead letter is published with: the source key, or its start and hash when it is too long. */
    public static String shortKey(String key) {
        if (key == null || key.length() <= MAX_KEY_CHARS) {
            return key;
        }
        String hash = sha256(key.getBytes(StandardCharsets.UTF_8));
        return key.substring(0, MAX_KEY_CHARS - hash.length() - 10) + "…#sha256:" + hash;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    private static String clip(String s, int chars) {
        return s == null || s.length() <= chars ? s : s.substring(0, chars - 1) + "…";
    }

    /** The longest start of {@code s} whose UTF-8 encoding fits in {@code maxBytes}, never splitting a character. */
    static String prefix(String s, int maxBytes) {
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > maxBytes) {
                break;
            }
            bytes += n;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}
