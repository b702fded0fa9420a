package com.nosto.klaviyo.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.worker.support.Db;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The overdue gauges (issue 22.4): a window an hour past its due time and not released is counted, with its lateness,
 * at the next gauge refresh (1 s in tests), and no longer once it is gone. Its partition is one no consumer holds, so
 * the release loop leaves it alone, as it would a partition whose owner is stuck.
 */
@QuarkusTest
class OverdueWindowsTest {

    private static final int UNOWNED_PARTITION = 997;

    @Inject
    MeterRegistry registry;

    @Test
    void aWindowPastItsDueTimeIsCountedWithHowLateItIs() {
        String account = "overdue-" + UUID.randomUUID().toString().substring(0, 8);
        Db.update("insert into sync_worker.window_schedule (account_id, source_partition, regular_due_at)"
                + " values (?, ?, now() - interval '1 hour')", account, UNOWNED_PARTITION);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(gauge("sync_worker_windows_overdue")).isGreaterThanOrEqualTo(1);
                assertThat(gauge("sync_worker_accounts_overdue")).isGreaterThanOrEqualTo(1);
                assertThat(registry.get("sync_worker_window_overdue").timeGauge().value(java.util.concurrent.TimeUnit.SECONDS))
                        .isBetween(3500.0, 3700.0);
            });
        } finally {
            Db.update("delete from sync_worker.window_schedule where account_id = ?", account);
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(registry.get("sync_worker_window_overdue").timeGauge().value(java.util.concurrent.TimeUnit.SECONDS))
                        .isLessThan(3500.0));
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
