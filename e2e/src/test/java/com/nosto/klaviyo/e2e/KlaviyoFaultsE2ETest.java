package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** G10 end to end: 429 storms, 5xx and latency are ridden out; an invalid profile is reported, not retried forever. */
class KlaviyoFaultsE2ETest extends E2ETestBase {

    private static final String BAD = "bad-address@example.com";

    @AfterEach
    void clearFaults() {
        system.klaviyo().faults().clear();
    }

    @Test
    void convergesThroughFaultsAndReportsTheInvalidProfile() {
        connect();
        segment("vip", "VIP", true);
        system.klaviyo().faults()
                .failRate("*", 429, 0.25)
                .failRate("*", 503, 0.15)
                .latency(Duration.ofMillis(30))
                .rejectEmail(BAD);
        for (int i = 0; i < 30; i++) {
            send(full("fault" + i + "@example.com", "vip"));
        }
        send(full(BAD, "vip"));

        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            api.flush(account);
            assertThat(model.differences(system.klaviyoState(klaviyoKey))).as("contacts differing, other than the invalid one")
                    .allMatch(line -> line.startsWith(BAD));
        });
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode runs = api.syncRuns(account).expect(200).body();
            assertThat(runs.toString()).as("the invalid profile is reported in the sync history").contains(BAD);
        });
        long callsWithBad = callsMentioningBad();
        // Not retried forever: over the next seconds, with flushes going on, no new call carries it.
        Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                .until(() -> api.flush(account) != null && callsMentioningBad() == callsWithBad);
    }

    private long callsMentioningBad() {
        return system.klaviyo().calls().forKey(klaviyoKey).stream()
                .filter(c -> c.requestBody() != null && c.requestBody().contains(BAD)).count();
    }
}
