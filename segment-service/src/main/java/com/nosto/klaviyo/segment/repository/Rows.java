package com.nosto.klaviyo.segment.repository;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Timestamps of the set-based statements, which read and write plain rows rather than entities: read as
 * microseconds since the epoch (exact, whatever the driver's mapping of {@code timestamptz}), written as
 * ISO-8601 text cast to {@code timestamptz} inside the statement (arrays of text bind like any other).
 */
final class Rows {

    /** SQL for a {@code timestamptz} column read as microseconds since the epoch (PostgreSQL's numeric extract: exact). */
    static String micros(String column) {
        return "cast(extract(epoch from " + column + ") * 1000000 as bigint)";
    }

    static Instant instant(Object micros) {
        long us = ((Number) micros).longValue();
        return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1_000L);
    }

    /** What PostgreSQL stores of {@code t}: microsecond precision. */
    static String text(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS).toString();
    }

    private Rows() {
    }
}
