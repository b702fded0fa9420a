package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The /__emulator/ API that drills and the local run use instead of the Java API. */
class AdminApiTest extends EmulatorTest {

    private Klaviyo admin() {
        return new Klaviyo(emulator.baseUrl(), null).header("Content-Type", "application/json");
    }

    @Test
    void registersAKeyOverHttp() {
        String newKey = Klaviyo.uniqueKey();

        Klaviyo.Response r = admin().post("/__emulator/accounts", Map.of("apiKey", newKey));

        assertThat(r.status()).isEqualTo(201);
        assertThat(new Klaviyo(emulator.baseUrl(), newKey).get("/api/lists").status()).isEqualTo(200);
    }

    @Test
    void revokesAKeyOverHttp() {
        Klaviyo.Response r = admin().delete("/__emulator/accounts/" + key, null);

        assertThat(r.status()).isEqualTo(204);
        assertThat(klaviyo.get("/api/lists").status()).isEqualTo(401);
    }

    @Test
    void stateShowsListsMembersProfilesAndConsent() {
        String listId = klaviyo.createList("Nosto Customers");
        String email = Klaviyo.uniqueEmail("state");
        String id = klaviyo.upsert(email, Map.of("nosto_segment", "vip"));
        klaviyo.post("/api/lists/" + listId + "/relationships/profiles", Klaviyo.idsBody(List.of(id)));

        JsonNode state = admin().get("/__emulator/accounts/" + key + "/state").body();

        assertThat(state.at("/lists/0/name").asText()).isEqualTo("Nosto Customers");
        assertThat(state.at("/lists/0/memberEmails/0").asText()).isEqualTo(email);
        assertThat(state.at("/profiles/0/properties/nosto_segment").asText()).isEqualTo("vip");
        assertThat(state.at("/profiles/0/emailConsent").asText()).isEqualTo("NEVER_SUBSCRIBED");
        assertThat(state.path("consentLog")).isEmpty();
        assertThat(state.path("apiKey").asText()).doesNotContain(key);
    }

    @Test
    void faultsCanBeSetAndClearedOverHttp() {
        Klaviyo.Response set = admin().post("/__emulator/faults", Map.of("errors", List.of(Map.of("target", "get_lists", "status", 503, "times", 1))));

        Klaviyo.Response failed = klaviyo.get("/api/lists");
        Klaviyo.Response ok = klaviyo.get("/api/lists");

        assertThat(set.status()).isEqualTo(200);
        assertThat(failed.status()).isEqualTo(503);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(admin().delete("/__emulator/faults", null).status()).isEqualTo(204);
    }

    @Test
    void callLogCountsByEndpointAndStatus() {
        klaviyo.get("/api/lists");
        klaviyo.get("/api/lists/none");

        JsonNode calls = admin().get("/__emulator/calls?limit=5").body();

        assertThat(calls.at("/countsByEndpointAndStatus/get_lists/200").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(calls.at("/countsByEndpointAndStatus/get_list/404").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(calls.path("calls").size()).isLessThanOrEqualTo(5);
    }

    @Test
    void callLogJavaApiCountsByMethodAndPathPrefix() {
        String listId = klaviyo.createList("Nosto Customers");
        klaviyo.get("/api/lists/" + listId);

        assertThat(emulator.calls().forKey(key).stream().filter(Call::isWrite).count()).isEqualTo(1);
        assertThat(emulator.calls().count("POST", "/api/lists")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void callLogCountsWritesAndReadsPerAccount() {
        String other = Klaviyo.uniqueKey();
        Klaviyo otherClient = new Klaviyo(emulator.baseUrl(), other);
        emulator.account(other);
        String listId = klaviyo.createList("Nosto Customers");
        klaviyo.get("/api/lists/" + listId);
        klaviyo.get("/api/lists/" + listId + "/profiles");
        emulator.faults().failNext("update_list", 429, 1);
        klaviyo.patch("/api/lists/" + listId, Map.of("data", Map.of("type", "list", "id", listId, "attributes", Map.of("name", "x"))));
        otherClient.get("/api/lists");

        JsonNode overHttp = admin().get("/__emulator/calls?key=" + key).body();

        assertThat(emulator.calls().writes(key)).extracting(Call::operationId).containsExactly("create_list", "update_list");
        assertThat(emulator.calls().reads(key)).extracting(Call::operationId).containsExactly("get_list", "get_profiles_for_list");
        assertThat(emulator.calls().writes(other)).isEmpty();
        assertThat(emulator.calls().reads(other)).hasSize(1);
        assertThat(overHttp.path("writes").asLong()).isEqualTo(2);
        assertThat(overHttp.path("reads").asLong()).isEqualTo(2);
        assertThat(overHttp.at("/calls/0/write").asBoolean()).isTrue();
        assertThat(overHttp.at("/countsByEndpointAndStatus/update_list/429").asLong()).isEqualTo(1);
    }

    @Test
    void uiPageListsListsAndProfiles() {
        klaviyo.createList("Demo list for the UI");
        klaviyo.upsert("ui-demo@example.com", Map.of("nosto_segment", "vip"));

        Klaviyo.Response page = admin().get("/__emulator/ui");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.text()).contains("Demo list for the UI").contains("ui-demo@example.com").contains("nosto_segment");
    }

    @Test
    void rateLimitTableIsInspectable() {
        JsonNode limits = admin().get("/__emulator/ratelimits").body();

        assertThat(limits.at("/operations/create_list/burstPerSecond").asInt()).isEqualTo(10);
        assertThat(limits.path("source").asText()).endsWith("stable.json");
    }
}
