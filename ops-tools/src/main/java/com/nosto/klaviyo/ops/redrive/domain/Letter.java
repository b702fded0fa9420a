package com.nosto.klaviyo.ops.redrive.domain;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.Header;

/**
 * One record of a dead-letter topic, read as what it would re-publish: the source topic, the exact key and value
 * bytes and the headers to send, plus what the filters look at.
 *
 * @param format      which writer produced it
 * @param sourceTopic the topic the record came from (and goes back to)
 * @param key         key bytes to publish, exactly as the source record had them
 * @param value       value bytes to publish, exactly as the source record had them
 * @param headers     headers to publish: the source record's own, never the dead-letter-* ones
 * @param reason      why it was dead-lettered, as the writer put it
 * @param errorType   the error's class or code
 * @param failedAt    when it was dead-lettered (DeadLetter.failedAt, else the dead-letter record's timestamp)
 * @param skip        why it cannot be re-published as it is; null when it can
 */
public record Letter(Format format, String sourceTopic, byte[] key, byte[] value, List<Header> headers, String reason,
                     String errorType, Instant failedAt, Skip skip) {

    public enum Format {
        /** The services' own {@code DeadLetter} JSON (events/ DeadLetter.java), keyed like the source record. */
        DEAD_LETTER,
        /** SmallRye's {@code failure-strategy=dead-letter-queue}: the source key and value unchanged, dead-letter-* headers. */
        CHANNEL_FAILURE_STRATEGY,
        /** Neither. */
        UNKNOWN
    }

    public boolean redrivable() {
        return skip == null;
    }

    /** The key's account part: keys are {@code account|email} (contacts) or {@code account} (sync batches). */
    public String account() {
        if (key == null) {
            return null;
        }
        String text = new String(key, StandardCharsets.UTF_8);
        int bar = text.indexOf('|');
        return bar < 0 ? text : text.substring(0, bar);
    }
}
