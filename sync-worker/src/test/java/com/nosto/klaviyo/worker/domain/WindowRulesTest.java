package com.nosto.klaviyo.worker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.WindowKind;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WindowRulesTest {

    private static final Instant ANCHOR = Instant.parse("2026-11-29T08:00:00Z");
    private static final Duration TWELVE_HOURS = Duration.ofHours(12);

    @Test
    void regularWindowsSitOnTheAccountsGrid() {
        assertThat(WindowRules.nextRegularEnd(ANCHOR, TWELVE_HOURS, ANCHOR)).isEqualTo(Instant.parse("2026-11-29T20:00:00Z"));
        assertThat(WindowRules.nextRegularEnd(ANCHOR, TWELVE_HOURS, Instant.parse("2026-11-29T19:59:59Z")))
                .isEqualTo(Instant.parse("2026-11-29T20:00:00Z"));
        assertThat(WindowRules.nextRegularEnd(ANCHOR, TWELVE_HOURS, Instant.parse("2026-11-29T20:00:00Z")))
                .isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
    }

    @Test
    void afterADowntimeTheNextEndIsStillOnTheGrid() {
        Instant afterThreeDays = Instant.parse("2026-12-02T09:30:00Z");

        assertThat(WindowRules.nextRegularEnd(ANCHOR, TWELVE_HOURS, afterThreeDays)).isEqualTo(Instant.parse("2026-12-02T20:00:00Z"));
    }

    @Test
    void firstEnableIsDueOneWindowAfterItStarted() {
        assertThat(WindowRules.firstEnableEnd(Instant.parse("2026-11-29T08:10:00Z"), Duration.ofHours(1)))
                .isEqualTo(Instant.parse("2026-11-29T09:10:00Z"));
    }

    @Test
    void idsAreDeterministic() {
        String windowId = WindowRules.windowId("acme", WindowKind.REGULAR, Instant.parse("2026-11-29T20:00:00Z"));

        assertThat(windowId).isEqualTo("acme/REGULAR/2026-11-29T20:00:00Z");
        assertThat(WindowRules.batchId(windowId, 3, 0)).isEqualTo("acme/REGULAR/2026-11-29T20:00:00Z/3/0");
    }
}
