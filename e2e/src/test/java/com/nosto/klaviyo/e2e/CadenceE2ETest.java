package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** G6 with scaled windows: a first enable is released in its short window, ordinary changes wait for the regular one. */
class CadenceE2ETest extends E2ETestBase {

    @Test
    void firstEnableIsFastAndOrdinaryChangesWaitForTheRegularWindow() {
        connect();
        segment("vip", "VIP", true);
        segment("whole-bean", "Category affinity: Whole_Bean", false);
        send(full("early@example.com", "whole-bean"));
        long start = System.nanoTime();
        sync("whole-bean", true);              // first enable: current members within the short window
        send(full("ordinary@example.com", "vip")); // an ordinary change: the regular window

        Awaitility.await().atMost(E2ESystem.FIRST_ENABLE_WINDOW.plusSeconds(20)).pollInterval(Duration.ofMillis(250))
                .until(() -> system.klaviyoState(klaviyoKey).containsKey("early@example.com")
                        && system.klaviyoState(klaviyoKey).get("early@example.com").inList());
        Duration firstEnableLatency = Duration.ofNanos(System.nanoTime() - start);
        assertThat(firstEnableLatency).isLessThan(E2ESystem.REGULAR_WINDOW.minusSeconds(10));
        assertThat(system.klaviyoState(klaviyoKey)).as("the ordinary change waits for the regular window")
                .doesNotContainKey("ordinary@example.com");

        Awaitility.await().atMost(E2ESystem.REGULAR_WINDOW.plusSeconds(30)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(this::assertConverged);
    }
}
