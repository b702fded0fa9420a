package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultsTest extends EmulatorTest {

    @Test
    void failNextAnswersTheGivenStatusThenRecovers() {
        emulator.faults().failNext("create_list", 503, 2);

        Klaviyo.Response first = klaviyo.post("/api/lists", Klaviyo.listBody("a"));
        Klaviyo.Response second = klaviyo.post("/api/lists", Klaviyo.listBody("b"));
        Klaviyo.Response third = klaviyo.post("/api/lists", Klaviyo.listBody("c"));

        assertThat(first.status()).isEqualTo(503);
        assertThat(first.error().path("code").asText()).isEqualTo("service_unavailable");
        assertThat(second.status()).isEqualTo(503);
        assertThat(third.status()).isEqualTo(201);
        assertThat(account.lists()).extracting(KlaviyoList::name).containsExactly("c");
    }

    @Test
    void failAfterLetsTheFirstCallsThroughThenFailsTheNext() {
        emulator.faults().failAfter("get_lists", 400, 2, 1);

        List<Integer> statuses = java.util.stream.IntStream.range(0, 4).mapToObj(i -> klaviyo.get("/api/lists").status()).toList();

        assertThat(statuses).containsExactly(200, 200, 400, 200);
        assertThat(emulator.faults().describe().get("errors")).asList().isEmpty();
    }

    @Test
    void injected429CarriesRetryAfterAndTheThrottledBody() {
        emulator.faults().failRate("/api/profile-import", 429, 1.0);

        Klaviyo.Response r = klaviyo.post("/api/profile-import", Klaviyo.profileBody(Map.of("email", Klaviyo.uniqueEmail("x"))));

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(r.error().path("code").asText()).isEqualTo("throttled");
        assertThat(account.profiles()).isEmpty();
    }

    @Test
    void pathGlobTargetsOnlyMatchingEndpoints() {
        String listId = klaviyo.createList("Nosto Customers");
        emulator.faults().failRate("/api/lists/*/relationships/profiles", 500, 1.0);

        assertThat(klaviyo.post("/api/lists/" + listId + "/relationships/profiles", Klaviyo.idsBody(List.of())).status()).isEqualTo(500);
        assertThat(klaviyo.get("/api/lists/" + listId).status()).isEqualTo(200);
    }

    @Test
    void errorRateFailsRoughlyThatShareOfCalls() {
        emulator.faults().failRate("get_lists", 500, 0.5);

        long failures = java.util.stream.IntStream.range(0, 200).map(i -> klaviyo.get("/api/lists").status()).filter(s -> s == 500).count();

        assertThat(failures).isBetween(60L, 140L);
    }

    @Test
    void latencyDelaysAnswers() {
        emulator.faults().latency("get_lists", Duration.ofMillis(300));

        long start = System.nanoTime();
        Klaviyo.Response r = klaviyo.get("/api/lists");
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.status()).isEqualTo(200);
        assertThat(millis).isGreaterThanOrEqualTo(300);
    }

    @Test
    void connectionResetGivesTheClientAnIoErrorAndIsLogged() {
        emulator.faults().resetConnections("create_or_update_profile", 1.0);

        // A POST, because java.net.http retries an idempotent GET once on a dropped connection.
        assertThatThrownBy(() -> klaviyo.post("/api/profile-import", Klaviyo.profileBody(Map.of("email", Klaviyo.uniqueEmail("reset")))))
                .isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(emulator.calls().forKey(key)).extracting(Call::status).containsExactly(0);
    }

    @Test
    void clearRemovesEveryFault() {
        emulator.faults().failRate("*", 500, 1.0).latency(Duration.ofSeconds(5)).rejectEmail("x@example.com");

        emulator.faults().clear();

        assertThat(klaviyo.get("/api/lists").status()).isEqualTo(200);
        assertThat(klaviyo.post("/api/profile-import", Klaviyo.profileBody(Map.of("email", "x@example.com"))).status()).isEqualTo(201);
    }

    @Test
    void injectedFailuresAreMarkedInTheCallLog() {
        emulator.faults().failNext("get_lists", 500, 1);

        klaviyo.get("/api/lists");
        klaviyo.get("/api/lists");

        assertThat(emulator.calls().forKey(key)).extracting(Call::injected).containsExactly(true, false);
    }

    @Test
    void resetForgetsDataButKeepsKeys() {
        try (KlaviyoEmulator own = KlaviyoEmulator.start(EmulatorConfig.defaults().withRateLimitsEnabled(false))) {
            String ownKey = Klaviyo.uniqueKey();
            Klaviyo client = new Klaviyo(own.baseUrl(), ownKey);
            own.account(ownKey);
            client.createList("Nosto Customers");
            own.faults().failRate("get_lists", 500, 1.0);

            own.reset();

            assertThat(own.account(ownKey).lists()).isEmpty();
            assertThat(own.calls().all()).isEmpty();
            assertThat(client.get("/api/lists").status()).isEqualTo(200);
        }
    }
}
