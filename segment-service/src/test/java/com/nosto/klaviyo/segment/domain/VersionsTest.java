package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class VersionsTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00.123456789Z");
    private static final long NOW_MICROS = NOW.getEpochSecond() * 1_000_000L + 123_456L;

    @Test
    void aVersionIsTheTimeInMicrosecondsWhenThatIsAboveTheLastOne() {
        assertThat(Versions.next(0, NOW)).isEqualTo(NOW_MICROS);
        assertThat(Versions.next(7, NOW)).isEqualTo(NOW_MICROS);
    }

    @Test
    void twoChangesInOneMicrosecondOrAfterAClockStepBackStillGrow() {
        long first = Versions.next(0, NOW);
        assertThat(Versions.next(first, NOW)).isEqualTo(first + 1);
        assertThat(Versions.next(first + 1, NOW.minusSeconds(5))).isEqualTo(first + 2);
    }

    @Test
    void aRowRestoredWithAnOlderVersionStillGetsAVersionAboveEverythingEmittedSinceTheBackup() {
        long atBackup = Versions.next(0, NOW);
        long emittedAfterTheBackup = Versions.next(atBackup, NOW.plusSeconds(3600));
        long afterRestore = Versions.next(atBackup, NOW.plusSeconds(7200));
        assertThat(afterRestore).isGreaterThan(emittedAfterTheBackup);
    }
}
