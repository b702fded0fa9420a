package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuditScheduleTest {

    final AuditSchedule daily = new AuditSchedule(Duration.ofDays(1));
    final Instant now = Instant.parse("2026-12-05T12:00:00Z");

    @Test
    void accountsAreSpreadOverTheInterval() {
        Set<Long> hours = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            hours.add(daily.offsetMillis("acct-" + i) / Duration.ofHours(1).toMillis());
        }
        assertThat(hours).as("hours of the day 200 accounts start in").hasSizeGreaterThan(20);
        assertThat(daily.offsetMillis("acme")).isEqualTo(daily.offsetMillis("acme"));
    }

    @Test
    void theLastDueTimeIsAtTheAccountsOffsetAndNeverAfterNow() {
        Instant due = daily.lastDue("acme", now);
        assertThat(due).isBeforeOrEqualTo(now).isAfter(now.minus(Duration.ofDays(1)));
        assertThat(due.toEpochMilli() % Duration.ofDays(1).toMillis()).isEqualTo(daily.offsetMillis("acme"));
        assertThat(daily.lastDue("acme", due)).isEqualTo(due);
    }

    @Test
    void dueOnceAfterEachDueTimeSinceTheLastAudit() {
        Instant due = daily.lastDue("acme", now);
        assertThat(daily.due("acme", now, due.minusSeconds(3600), null)).as("connected before, never audited").isTrue();
        assertThat(daily.due("acme", now, due.minusSeconds(3600), due.minusSeconds(1))).as("audited before the due time").isTrue();
        assertThat(daily.due("acme", now, due.minusSeconds(3600), due)).as("audited at the due time").isFalse();
        assertThat(daily.due("acme", now, due.plusSeconds(1), null)).as("connected after the due time").isFalse();
    }

    @Test
    void aZeroIntervalIsRefused() {
        assertThatThrownBy(() -> new AuditSchedule(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
