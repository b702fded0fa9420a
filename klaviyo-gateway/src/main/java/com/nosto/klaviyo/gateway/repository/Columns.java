package com.nosto.klaviyo.gateway.repository;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Values of native queries' columns, as the reactive driver hands them over, to and from what the code holds. */
final class Columns {

    private Columns() {
    }

    /** A TIMESTAMPTZ column's value (an OffsetDateTime, or what another driver gives) as an Instant; null stays null. */
    static Instant instant(Object value) {
        if (value == null || value instanceof Instant) {
            return (Instant) value;
        }
        if (value instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (value instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof LocalDateTime l) {
            return l.toInstant(ZoneOffset.UTC);
        }
        throw new IllegalArgumentException("not a time: " + value);
    }

    /** An Instant as a TIMESTAMPTZ parameter. */
    static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }
}
