package com.nosto.klaviyo.events;

import java.time.Instant;

/**
 * What a service writes to a {@code *-dlq} topic for a record it could not accept: the original
 * bytes (as text) and where they came from, plus a reason a person can act on. Keyed like the
 * original record. Redrive: fix the cause, then publish {@code payload} back to {@code sourceTopic}.
 */
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
        Instant failedAt) {

    public static final int SCHEMA_VERSION = 1;
}
