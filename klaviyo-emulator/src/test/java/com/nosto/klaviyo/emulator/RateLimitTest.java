package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Throttling at the spec's thresholds ({@code x-klaviyo-ratelimit}), with a manual clock so windows are exact.
 * Two emulators (scale 1 and 0.1) share the clock; windows are per key, so a fresh key per test isolates the tests,
 * and each test starts at the beginning of a minute.
 */
class RateLimitTest {

    private static final ManualClock clock = ManualClock.atMinuteStart();
    private static KlaviyoEmulator full;
    private static KlaviyoEmulator tenth;
    private KlaviyoEmulator emulator;
    private Klaviyo klaviyo;
    private EmulatedAccount account;

    @BeforeAll
    static void startEmulators() {
        full = KlaviyoEmulator.start(EmulatorConfig.defaults().withClock(clock));
        tenth = KlaviyoEmulator.start(EmulatorConfig.defaults().withClock(clock).withRateLimitScale(0.1));
    }

    @AfterAll
    static void stopEmulators() {
        full.close();
        tenth.close();
    }

    @BeforeEach
    void atMinuteStart() {
        clock.advanceToNextMinute();
    }

    private void start(double scale) {
        emulator = scale == 1.0 ? full : tenth;
        String key = Klaviyo.uniqueKey();
        account = emulator.account(key);
        klaviyo = new Klaviyo(emulator.baseUrl(), key);
    }

    @Test
    void limitsAreReadFromTheOfficialSpec() {
        start(1.0);

        assertThat(emulator.rateLimits().source()).endsWith("stable.json");
        assertThat(emulator.rateLimits().of("create_list")).contains(new RateLimits.Limit(10, 150, 150));
        assertThat(emulator.rateLimits().of("add_profiles_to_list")).contains(new RateLimits.Limit(10, 150, 0));
        assertThat(emulator.rateLimits().of("get_profiles")).contains(new RateLimits.Limit(75, 750, 0));
        assertThat(emulator.rateLimits().of("request_profile_deletion")).contains(new RateLimits.Limit(3, 60, 0));
        assertThat(RateLimits.bundled().all()).isEqualTo(emulator.rateLimits().all());
    }

    @Test
    void burstOf10PerSecondOnListCreationThen429WithRetryAfter() {
        start(1.0);
        for (int i = 0; i < 10; i++) {
            assertThat(klaviyo.post("/api/lists", Klaviyo.listBody("l" + i)).status()).isEqualTo(201);
        }

        Klaviyo.Response throttled = klaviyo.post("/api/lists", Klaviyo.listBody("eleventh"));

        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isEqualTo("1");
        assertThat(throttled.header("RateLimit-Limit")).isNull();
        assertThat(throttled.error().path("code").asText()).isEqualTo("throttled");
        assertThat(throttled.error().path("detail").asText()).isEqualTo("Request was throttled. Expected available in 1 second.");
        assertThat(account.lists()).hasSize(10);
        clock.advance(Duration.ofSeconds(1));
        assertThat(klaviyo.post("/api/lists", Klaviyo.listBody("next second")).status()).isEqualTo(201);
    }

    @Test
    void steadyLimitOf150PerMinuteOnListMembershipHoldsAcrossSeconds() {
        start(1.0);
        String listId = account.seedList("Nosto Customers").id();
        Map<String, Object> body = Klaviyo.idsBody(List.of(account.seedProfile(Klaviyo.uniqueEmail("m"), Map.of()).id()));
        String path = "/api/lists/" + listId + "/relationships/profiles";
        for (int i = 0; i < 150; i++) {
            if (i > 0 && i % 10 == 0) {
                clock.advance(Duration.ofSeconds(1));
            }
            assertThat(klaviyo.post(path, body).status()).as("call %d", i).isEqualTo(204);
        }
        clock.advance(Duration.ofSeconds(1));

        Klaviyo.Response throttled = klaviyo.post(path, body);

        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isEqualTo("45");
        clock.advance(Duration.ofSeconds(45));
        assertThat(klaviyo.post(path, body).status()).isEqualTo(204);
    }

    @Test
    void rateLimitHeadersDescribeTheSteadyWindow() {
        start(1.0);
        clock.advance(Duration.ofSeconds(20));

        Klaviyo.Response first = klaviyo.get("/api/lists");
        Klaviyo.Response second = klaviyo.get("/api/lists");

        assertThat(first.header("RateLimit-Limit")).isEqualTo("750");
        assertThat(first.header("RateLimit-Remaining")).isEqualTo("749");
        assertThat(second.header("RateLimit-Remaining")).isEqualTo("748");
        assertThat(first.header("RateLimit-Reset")).isEqualTo("40");
    }

    @Test
    void scaleFactorKeepsProportions() {
        start(0.1);

        assertThat(klaviyo.post("/api/lists", Klaviyo.listBody("one")).status()).isEqualTo(201);
        Klaviyo.Response second = klaviyo.post("/api/lists", Klaviyo.listBody("two"));
        int allowedReads = 0;
        while (klaviyo.get("/api/lists").status() == 200) {
            allowedReads++;
        }

        assertThat(second.status()).isEqualTo(429);
        assertThat(allowedReads).isEqualTo(8); // 75/s × 0.1, rounded
        assertThat(klaviyo.get("/api/profiles").header("RateLimit-Limit")).isEqualTo("75"); // 750/m × 0.1
    }

    @Test
    void limitsArePerKeyAndPerOperation() {
        start(0.1);
        String otherKey = Klaviyo.uniqueKey();
        emulator.account(otherKey);
        Klaviyo other = new Klaviyo(emulator.baseUrl(), otherKey);
        klaviyo.post("/api/lists", Klaviyo.listBody("one"));

        assertThat(klaviyo.post("/api/lists", Klaviyo.listBody("two")).status()).isEqualTo(429);
        assertThat(other.post("/api/lists", Klaviyo.listBody("theirs")).status()).isEqualTo(201);
        assertThat(klaviyo.get("/api/lists").status()).isEqualTo(200);
    }

    @Test
    void listCreationHasADailyCap() {
        start(0.1); // 150/d × 0.1 = 15 a day
        for (int i = 0; i < 15; i++) {
            clock.advance(Duration.ofMinutes(1));
            assertThat(klaviyo.post("/api/lists", Klaviyo.listBody("l" + i)).status()).isEqualTo(201);
        }
        clock.advance(Duration.ofMinutes(1));

        Klaviyo.Response capped = klaviyo.post("/api/lists", Klaviyo.listBody("one too many"));

        assertThat(capped.status()).isEqualTo(429);
        assertThat(Long.parseLong(capped.header("Retry-After"))).isGreaterThan(3600);
        assertThat(account.lists()).hasSize(15);
        clock.advance(Duration.ofDays(1));
        assertThat(klaviyo.post("/api/lists", Klaviyo.listBody("tomorrow")).status()).isEqualTo(201);
    }

    @Test
    void profileCountOnGetListUsesTheStricterDocumentedLimit() {
        start(1.0);
        String listId = account.seedList("Nosto Customers").id();

        Klaviyo.Response first = klaviyo.get("/api/lists/" + listId + "?additional-fields%5Blist%5D=profile_count");
        Klaviyo.Response second = klaviyo.get("/api/lists/" + listId + "?additional-fields%5Blist%5D=profile_count");
        Klaviyo.Response plain = klaviyo.get("/api/lists/" + listId);

        assertThat(first.status()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(429);
        assertThat(plain.status()).isEqualTo(200);
    }

    @Test
    void theReadsAnAuditMakesHaveTheSpecsLimits() {
        start(1.0);

        for (String op : List.of("get_lists", "get_list", "get_profiles_for_list", "get_profile_ids_for_list", "get_profiles", "get_profile")) {
            assertThat(emulator.rateLimits().of(op)).as(op).contains(new RateLimits.Limit(75, 750, 0));
        }
    }

    @Test
    void predictiveAnalyticsOnListMembersUsesTheStricterDocumentedLimit() {
        start(0.1);
        String listId = account.seedList("Nosto Customers").id();
        String members = "/api/lists/" + listId + "/profiles";

        Klaviyo.Response first = klaviyo.get(members + "?additional-fields%5Bprofile%5D=predictive_analytics");
        Klaviyo.Response second = klaviyo.get(members + "?additional-fields%5Bprofile%5D=predictive_analytics");
        Klaviyo.Response plain = klaviyo.get(members + "?additional-fields%5Bprofile%5D=subscriptions");

        assertThat(first.status()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(429);
        assertThat(plain.status()).isEqualTo(200);
    }

    @Test
    void predictiveAnalyticsOnGetProfileKeepsItsOwnLimitAsTheSpecStatesNoOther() {
        start(0.1);
        String id = account.seedProfile(Klaviyo.uniqueEmail("p"), Map.of()).id();

        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            statuses.add(klaviyo.get("/api/profiles/" + id + "?additional-fields%5Bprofile%5D=predictive_analytics").status());
        }
        Klaviyo.Response list = klaviyo.get("/api/profiles?additional-fields%5Bprofile%5D=predictive_analytics");

        assertThat(statuses).containsOnly(200);
        assertThat(list.status()).isEqualTo(200);
    }

    @Test
    void throttledCallsAreLoggedWithTheirStatus() {
        start(0.1);
        klaviyo.post("/api/lists", Klaviyo.listBody("one"));
        klaviyo.post("/api/lists", Klaviyo.listBody("two"));

        assertThat(emulator.calls().forKey(account.apiKey())).extracting(Call::status).containsExactly(201, 429);
    }
}
