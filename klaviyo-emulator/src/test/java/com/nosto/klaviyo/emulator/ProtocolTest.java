package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Headers, authentication, content type, error format and account isolation: what every operation shares. */
class ProtocolTest extends EmulatorTest {

    @Test
    void unknownKeyIs401AuthenticationFailed() {
        Klaviyo.Response r = new Klaviyo(emulator.baseUrl(), "pk_never_registered").get("/api/lists");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.error().path("code").asText()).isEqualTo("authentication_failed");
    }

    @Test
    void missingAuthorizationIs401NotAuthenticated() {
        Klaviyo.Response r = klaviyo.header("Authorization", null).get("/api/lists");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.error().path("code").asText()).isEqualTo("not_authenticated");
    }

    @Test
    void bearerOrOtherSchemesAreNotAPrivateKey() {
        Klaviyo.Response r = klaviyo.header("Authorization", "Bearer " + key).get("/api/lists");

        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void revokedKeyIs401() {
        klaviyo.createList("Nosto Customers");

        emulator.revokeKey(key);

        assertThat(klaviyo.get("/api/lists").status()).isEqualTo(401);
    }

    @Test
    void missingRevisionHeaderIs400NamingTheHeader() {
        Klaviyo.Response r = klaviyo.header("revision", null).get("/api/lists");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("parameter").asText()).isEqualTo("revision");
    }

    @Test
    void malformedRevisionIs400() {
        assertThat(klaviyo.header("revision", "latest").get("/api/lists").status()).isEqualTo(400);
    }

    @Test
    void plainJsonContentTypeIs415() {
        Klaviyo.Response r = klaviyo.header("Content-Type", "application/json").post("/api/lists", Klaviyo.listBody("x"));

        assertThat(r.status()).isEqualTo(415);
        assertThat(account.lists()).isEmpty();
    }

    @Test
    void malformedJsonIs400() {
        assertThat(klaviyo.post("/api/lists", "{\"data\":").status()).isEqualTo(400);
    }

    @Test
    void wrongResourceTypeIs409Conflict() {
        Klaviyo.Response r = klaviyo.post("/api/lists", Map.of("data", Map.of("type", "profile", "attributes", Map.of("name", "x"))));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error().path("source").path("pointer").asText()).isEqualTo("/data/type");
    }

    @Test
    void errorsHaveKlaviyosShape() {
        Klaviyo.Response r = klaviyo.get("/api/profiles/unknown");

        assertThat(r.header("Content-Type")).startsWith("application/vnd.api+json");
        assertThat(r.error().path("id").asText()).matches("[0-9a-f-]{36}");
        assertThat(r.error().path("status").asInt()).isEqualTo(404);
        assertThat(r.error().has("code")).isTrue();
        assertThat(r.error().has("title")).isTrue();
        assertThat(r.error().has("detail")).isTrue();
        assertThat(r.error().has("source")).isTrue();
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() {
        assertThat(klaviyo.get("/api/nothing-here").status()).isEqualTo(404);
        assertThat(klaviyo.send("PUT", "/api/lists", Klaviyo.listBody("x")).status()).isEqualTo(405);
    }

    @Test
    void accountsAreIsolatedPerKey() {
        String otherKey = Klaviyo.uniqueKey();
        Klaviyo other = new Klaviyo(emulator.baseUrl(), otherKey);
        emulator.account(otherKey);
        String listId = klaviyo.createList("Nosto Customers");
        String email = Klaviyo.uniqueEmail("mine");
        klaviyo.upsert(email, Map.of());

        assertThat(other.get("/api/lists").body().path("data")).isEmpty();
        assertThat(other.get("/api/lists/" + listId).status()).isEqualTo(404);
        assertThat(other.get("/api/profiles?filter=" + Klaviyo.q("equals(email,\"" + email + "\")")).body().path("data")).isEmpty();
        assertThat(emulator.account(otherKey).profiles()).isEmpty();
    }

    @Test
    void subscriptionAndSuppressionCallsAreAcceptedAndRecordedAsConsentChanges() {
        String email = Klaviyo.uniqueEmail("consent");
        account.seedProfile(email, Map.of());
        Map<String, Object> body = Map.of("data", Map.of("type", "profile-subscription-bulk-create-job", "attributes",
                Map.of("profiles", Map.of("data", List.of(Map.of("type", "profile", "attributes", Map.of("email", email)))))));

        Klaviyo.Response subscribe = klaviyo.post("/api/profile-subscription-bulk-create-jobs", body);
        Klaviyo.Response suppress = klaviyo.post("/api/profile-suppression-bulk-create-jobs", body);

        assertThat(subscribe.status()).isEqualTo(202);
        assertThat(suppress.status()).isEqualTo(202);
        assertThat(account.consentLog()).extracting(ConsentEvent::operationId).containsExactly("bulk_subscribe_profiles", "bulk_suppress_profiles");
        assertThat(account.profileByEmail(email).orElseThrow().emailConsent()).isEqualTo("SUPPRESSED");
    }

    @Test
    void trailingSlashesAsInKlaviyosLinksWork() {
        String listId = klaviyo.createList("Nosto Customers");

        assertThat(klaviyo.get("/api/lists/" + listId + "/").status()).isEqualTo(200);
    }
}
