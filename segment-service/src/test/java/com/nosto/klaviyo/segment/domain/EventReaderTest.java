package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventReaderTest {

    @Test
    void readsAValidEvent() {
        EventReader.Read r = EventReader.fromText(
                "{\"accountId\":\"acme\",\"email\":\"j@example.com\",\"segments\":[\"a\"],\"observedAt\":\"2026-11-29T08:00:00Z\",\"extra\":1}");
        assertThat(r.ok()).isTrue();
        assertThat(r.event().segments()).containsExactly("a");
    }

    @Test
    void malformedJsonIsReportedNotThrown() {
        EventReader.Read r = EventReader.fromText("{\"accountId\":");
        assertThat(r.failure()).isEqualTo(EventReader.Failure.MALFORMED_JSON);
        assertThat(r.reason()).startsWith("Malformed JSON");
    }

    @Test
    void wrongTypeNamesTheField() {
        EventReader.Read r = EventReader.fromText("{\"accountId\":\"acme\",\"email\":\"j@example.com\",\"segments\":\"vip\",\"observedAt\":\"2026-11-29T08:00:00Z\"}");
        assertThat(r.failure()).isEqualTo(EventReader.Failure.WRONG_TYPE);
        assertThat(r.pointer()).isEqualTo("/segments");
    }

    @Test
    void unparsableTimeNamesTheField() {
        EventReader.Read r = EventReader.fromText("{\"accountId\":\"acme\",\"email\":\"j@example.com\",\"deleted\":true,\"observedAt\":\"yesterday\"}");
        assertThat(r.failure()).isEqualTo(EventReader.Failure.WRONG_TYPE);
        assertThat(r.pointer()).isEqualTo("/observedAt");
    }

    @Test
    void nonObjectIsRefused() {
        assertThat(EventReader.fromText("[1,2]").failure()).isEqualTo(EventReader.Failure.WRONG_TYPE);
        assertThat(EventReader.fromText("").failure()).isEqualTo(EventReader.Failure.MALFORMED_JSON);
    }

    @Test
    void nothingIsCoercedAndTheReasonSaysWhatWasExpected() {
        String valid = "{\"accountId\":\"acme\",\"email\":\"j@example.com\",\"segments\":[\"vip\"],\"observedAt\":\"2026-11-29T08:00:00Z\"}";
        EventReader.Read account = EventReader.fromText(valid.replace("\"acme\"", "42"));
        assertThat(account.pointer()).isEqualTo("/accountId");
        assertThat(account.reason()).isEqualTo("wrong type at /accountId: expected a string");
        EventReader.Read segments = EventReader.fromText(valid.replace("\"vip\"", "7"));
        assertThat(segments.pointer()).isEqualTo("/segments/0");
        EventReader.Read epoch = EventReader.fromText(valid.replace("\"2026-11-29T08:00:00Z\"", "1764403200"));
        assertThat(epoch.reason()).isEqualTo("wrong type at /observedAt: expected an RFC 3339 date-time string, e.g. 2026-11-29T08:00:00Z");
        EventReader.Read epochText = EventReader.fromText(valid.replace("2026-11-29T08:00:00Z", "1764403200"));
        assertThat(epochText.pointer()).isEqualTo("/observedAt");
        EventReader.Read yearZero = EventReader.fromText(valid.replace("2026-11-29T08:00:00Z", "0000-11-29T08:00:00Z"));
        assertThat(yearZero.reason()).contains("outside the years 1 to 9999");
    }
}
