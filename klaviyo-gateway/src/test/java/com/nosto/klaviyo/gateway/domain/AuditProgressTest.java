package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditProgressTest {

    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void eachPageMovesTheCursorOnAndKeepsWhenTheReadBegan() {
        AuditProgress p = AuditProgress.start("a", "L", true, T0).page("cursor-2", T0.plusSeconds(1)).page("cursor-3", T0.plusSeconds(2));

        assertThat(p.pages()).isEqualTo(2);
        assertThat(p.nextLink()).isEqualTo("cursor-3");
        assertThat(p.startedAt()).isEqualTo(T0);
        assertThat(p.updatedAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(p.repair()).isTrue();
        assertThat(p.complete()).isFalse();
        assertThat(p.page(null, T0.plusSeconds(3)).complete()).as("the last page read").isTrue();
    }

    @Test
    void resumableOnlyForTheSameListWithAPageReadAndRecentEnough() {
        AuditProgress started = AuditProgress.start("a", "L", false, T0);
        AuditProgress onePage = started.page("next", T0.plusSeconds(10));

        assertThat(started.resumableFor("L", T0.plusSeconds(20), HOUR)).as("nothing read yet").isFalse();
        assertThat(onePage.resumableFor("L", T0.plusSeconds(20), HOUR)).isTrue();
        assertThat(onePage.resumableFor("L", T0.plusSeconds(10).plus(HOUR), HOUR)).as("exactly at the limit").isTrue();
        assertThat(onePage.resumableFor("L", T0.plusSeconds(11).plus(HOUR), HOUR)).as("too old").isFalse();
        assertThat(onePage.resumableFor("other", T0.plusSeconds(20), HOUR)).as("another list (re-created)").isFalse();
    }
}
