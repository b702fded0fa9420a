package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.SegmentEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventValidatorTest {

    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    private static final Instant T = NOW.minusSeconds(60);
    private final EventValidator validator = new EventValidator(
            new EventValidator.Limits(3, 10, Duration.ofHours(1)), Clock.fixed(NOW, ZoneOffset.UTC));

    private EventValidator.Violation violation(SegmentEvent e) {
        EventValidator.Result r = validator.validate(e);
        assertThat(r.valid()).as("expected a violation").isFalse();
        return r.violation();
    }

    @Test
    void normalisesEmailAndDeduplicatesSegments() {
        EventValidator.Result r = validator.validate(SegmentEvent.fullSet("acme", "  Jane@Example.COM ", List.of("a", "b", "a"), T));
        assertThat(r.valid()).isTrue();
        assertThat(r.event().email()).isEqualTo("jane@example.com");
        assertThat(r.event().segments()).containsExactly("a", "b");
    }

    @Test
    void refusesBadAccountId() {
        assertThat(violation(SegmentEvent.fullSet("ac me", "j@example.com", List.of(), T)).pointer()).isEqualTo("/accountId");
        assertThat(violation(SegmentEvent.fullSet(null, "j@example.com", List.of(), T)).pointer()).isEqualTo("/accountId");
    }

    @Test
    void refusesBadEmails() {
        for (String bad : new String[] {"not-an-email", "a@b", "jane@@example.com", "jane@localhost", "jane example@x.com", ""}) {
            assertThat(violation(SegmentEvent.fullSet("acme", bad, List.of(), T)).pointer()).as(bad).isEqualTo("/email");
        }
    }

    @Test
    void refusesMissingObservedAt() {
        assertThat(violation(SegmentEvent.fullSet("acme", "j@example.com", List.of(), null)).pointer()).isEqualTo("/observedAt");
    }

    @Test
    void refusesFarFutureObservedAt() {
        assertThat(violation(SegmentEvent.fullSet("acme", "j@example.com", List.of(), NOW.plus(Duration.ofHours(2)))).reason())
                .contains("future");
    }

    @Test
    void refusesNoFormOrSeveralForms() {
        assertThat(violation(new SegmentEvent("acme", "j@example.com", null, null, null, null, T)).reason()).contains("exactly one form");
        assertThat(violation(new SegmentEvent("acme", "j@example.com", List.of("a"), List.of("b"), null, null, T)).reason())
                .contains("exactly one form");
        assertThat(violation(new SegmentEvent("acme", "j@example.com", null, null, null, false, T)).reason()).contains("exactly one form");
    }

    @Test
    void refusesOversizedLists() {
        assertThat(violation(SegmentEvent.fullSet("acme", "j@example.com", List.of("a", "b", "c", "d"), T)).pointer()).isEqualTo("/segments");
        assertThat(violation(SegmentEvent.delta("acme", "j@example.com", List.of("a", "b"), List.of("c", "d"), T)).reason())
                .contains("more than 3");
    }

    @Test
    void refusesBlankOrLongSegmentIds() {
        assertThat(violation(SegmentEvent.fullSet("acme", "j@example.com", List.of("ok", " "), T)).pointer()).isEqualTo("/segments/1");
        assertThat(violation(SegmentEvent.delta("acme", "j@example.com", List.of("x".repeat(11)), null, T)).pointer()).isEqualTo("/entered/0");
        assertThat(violation(SegmentEvent.fullSet("acme", "j@example.com", Collections.singletonList(null), T)).pointer()).isEqualTo("/segments/0");
    }

    @Test
    void refusesEnteringAndExitingTheSameSegment() {
        assertThat(violation(SegmentEvent.delta("acme", "j@example.com", List.of("a"), List.of("a"), T)).reason()).contains("both");
    }

    @Test
    void acceptsEachForm() {
        assertThat(validator.validate(SegmentEvent.delta("acme", "j@example.com", List.of("a"), null, T)).valid()).isTrue();
        assertThat(validator.validate(SegmentEvent.delta("acme", "j@example.com", null, List.of("a"), T)).valid()).isTrue();
        assertThat(validator.validate(SegmentEvent.deletion("acme", "j@example.com", T)).valid()).isTrue();
    }

    @Test
    void refusesAnAddressLiteral() {
        for (String bad : new String[] {"a@[127.0.0.1]", "a@[IPv6:::1]"}) {
            assertThat(violation(SegmentEvent.fullSet("acme", bad, List.of(), T)).pointer()).as(bad).isEqualTo("/email");
        }
    }

    @Test
    void refusesADeltaThatEntersAndExitsNothing() {
        assertThat(violation(SegmentEvent.delta("acme", "j@example.com", List.of(), List.of(), T)).reason())
                .contains("at least one segment");
        assertThat(violation(SegmentEvent.delta("acme", "j@example.com", List.of(), null, T)).reason())
                .contains("at least one segment");
    }

    @Test
    void refusesControlCharactersInSegmentIds() {
        assertThat(violation(SegmentEvent.fullSet("acme", "j@example.com", List.of("a\u0000b"), T)).pointer())
                .isEqualTo("/segments/0");
    }

    @Test
    void refusesAnInstantBeforeTheYearOne() {
        assertThat(violation(SegmentEvent.fullSet("acme", "j@example.com", List.of(), Instant.parse("-0001-01-01T00:00:00Z")))
                .pointer()).isEqualTo("/observedAt");
    }
}
