package com.nosto.klaviyo.segment.domain;

import java.time.Instant;

/**
 * A contact's change versions as a hybrid logical clock: the next version is the larger of the last one plus one and
 * the current time in microseconds since the epoch. Versions therefore grow strictly per contact (downstream keeps the
 * highest and ignores lower ones, G8), and they also stay above everything emitted before the service's database was
 * restored from a backup: a restored row carries an older version, but the clock has moved past every version emitted
 * since the backup was taken. This holds while the replicas' clocks disagree by less than the time a restore takes
 * (minutes); a change emitted in the same microsecond as the previous one still gets last + 1.
 */
public final class Versions {

    private Versions() {
    }

    public static long next(long last, Instant now) {
        long micros = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000L);
        return Math.max(last + 1, micros);
    }
}
