package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import com.nosto.klaviyo.emulator.spec.OpenApiSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The emulator against the official spec (klaviyo-emulator/spec/stable.json, or -Dklaviyo.spec): every request body it
 * accepts here validates against the operation's request schema, and every answer validates against the response
 * schema the spec declares for that status (errors against ClientError). Two controls prove the validator bites.
 */
class ContractTest extends EmulatorTest {

    static OpenApiSpec spec;

    @BeforeAll
    static void loadSpec() {
        spec = OpenApiSpec.load();
    }

    /** Sends, then checks the status and both bodies against the spec; returns the response. */
    private Klaviyo.Response exchange(String operationId, String method, String path, Object body, int expectedStatus) {
        if (body != null) {
            JsonNode requestJson = Klaviyo.MAPPER.valueToTree(body);
            assertThat(spec.request(operationId)).as("%s has a request schema", operationId).isPresent();
            assertThat(OpenApiSpec.validate(spec.request(operationId).orElseThrow(), requestJson))
                    .as("request of %s against the spec", operationId).isEmpty();
        }
        Klaviyo.Response r = klaviyo.send(method, path, body);
        assertThat(r.status()).as("%s %s: %s", method, path, r.text()).isEqualTo(expectedStatus);
        assertThat(spec.declaresStatus(operationId, r.status())).as("%s declares %d", operationId, r.status()).isTrue();
        spec.response(operationId, r.status()).ifPresentOrElse(
                schema -> assertThat(OpenApiSpec.validate(schema, r.body())).as("response of %s %d against the spec", operationId, r.status()).isEmpty(),
                () -> assertThat(r.text()).as("%s %d has no body in the spec", operationId, r.status()).isEmpty());
        return r;
    }

    @Test
    void specIsTheRevisionTheEmulatorServes() {
        assertThat(spec.revision()).isEqualTo("2026-07-15");
        assertThat(spec.path().toString()).endsWith("stable.json");
    }

    @Test
    void accountOperationMatchesTheSpec() {
        exchange("get_accounts", "GET", "/api/accounts", null, 200);
    }

    @Test
    void listOperationsMatchTheSpec() {
        Klaviyo.Response created = exchange("create_list", "POST", "/api/lists", Klaviyo.listBody("Nosto Customers"), 201);
        String listId = created.body().at("/data/id").asText();
        String profileId = klaviyo.upsert(Klaviyo.uniqueEmail("list"), Map.of("nosto_segment", "vip"));

        exchange("get_lists", "GET", "/api/lists?filter=" + Klaviyo.q("equals(name,\"Nosto Customers\")"), null, 200);
        exchange("get_list", "GET", "/api/lists/" + listId + "?additional-fields%5Blist%5D=profile_count", null, 200);
        exchange("add_profiles_to_list", "POST", "/api/lists/" + listId + "/relationships/profiles", Klaviyo.idsBody(List.of(profileId)), 204);
        exchange("get_profile_ids_for_list", "GET", "/api/lists/" + listId + "/relationships/profiles?page%5Bsize%5D=1", null, 200);
        exchange("get_profiles_for_list", "GET", "/api/lists/" + listId + "/profiles", null, 200);
        exchange("remove_profiles_from_list", "DELETE", "/api/lists/" + listId + "/relationships/profiles", Klaviyo.idsBody(List.of(profileId)), 204);
        exchange("delete_list", "DELETE", "/api/lists/" + listId, null, 204);
    }

    @Test
    void profileOperationsMatchTheSpec() {
        String email = Klaviyo.uniqueEmail("contract");
        Klaviyo.Response created = exchange("create_profile", "POST", "/api/profiles",
                Klaviyo.profileBody(Map.of("email", email, "first_name", "Jane", "location", Map.of("city", "Helsinki"),
                        "properties", Map.of("loyalty", "gold"))), 201);
        String id = created.body().at("/data/id").asText();

        exchange("get_profiles", "GET", "/api/profiles?filter=" + Klaviyo.q("equals(email,\"" + email + "\")")
                + "&additional-fields%5Bprofile%5D=subscriptions", null, 200);
        exchange("get_profile", "GET", "/api/profiles/" + id, null, 200);
        exchange("update_profile", "PATCH", "/api/profiles/" + id, Klaviyo.patchBody(id, Map.of("properties", Map.of("nosto_segment", "vip")),
                Map.of("append", Map.of("nosto_segments", "vip"), "unset", List.of("old"))), 200);
        Map<String, Object> upsert = Map.of("data", Map.of("type", "profile", "attributes", Map.of("email", email),
                "meta", Map.of("patch_properties", Map.of("unappend", Map.of("nosto_segments", "vip")))));
        exchange("create_or_update_profile", "POST", "/api/profile-import", upsert, 200);
        exchange("create_or_update_profile", "POST", "/api/profile-import",
                Klaviyo.profileBody(Map.of("email", Klaviyo.uniqueEmail("new"), "properties", Map.of("nosto_segment", "vip"))), 201);
    }

    @Test
    void theReadsAnAuditMakesMatchTheSpec() {
        String listId = account.seedList("Nosto Customers").id();
        account.seedList("Nosto Customers");
        String email = Klaviyo.uniqueEmail("audit");
        Profile member = account.seedProfile(email, Map.of("nosto_segment", "vip", "nosto_segments", List.of("vip", "new")));
        account.addMembers(listId, List.of(member.id(), account.seedProfile(Klaviyo.uniqueEmail("other"), Map.of()).id()));
        String members = "/api/lists/" + listId + "/profiles?page%5Bsize%5D=1";

        Klaviyo.Response first = exchange("get_profiles_for_list", "GET", members + "&fields%5Bprofile%5D=email,properties", null, 200);
        exchange("get_profiles_for_list", "GET", first.body().at("/links/next").asText(), null, 200);
        exchange("get_profiles_for_list", "GET", members + "&additional-fields%5Bprofile%5D=subscriptions,predictive_analytics"
                + "&sort=-joined_group_at", null, 200);
        exchange("get_profile_ids_for_list", "GET", "/api/lists/" + listId + "/relationships/profiles?page%5Bsize%5D=100", null, 200);
        exchange("get_lists", "GET", "/api/lists?filter=" + Klaviyo.q("equals(name,\"Nosto Customers\")") + "&fields%5Blist%5D=name,created", null, 200);
        exchange("get_profile", "GET", "/api/profiles/" + member.id() + "?fields%5Bprofile%5D=email,properties,location.city", null, 200);
        exchange("get_profiles", "GET", "/api/profiles?filter=" + Klaviyo.q("any(email,[\"" + email + "\",\"nobody@example.com\"])")
                + "&fields%5Bprofile%5D=email,properties&page%5Bsize%5D=100", null, 200);
        account.deleteProfile(member.id());
        exchange("get_profile", "GET", "/api/profiles/" + member.id(), null, 404);
        exchange("get_profiles_for_list", "GET", members + "&sort=email", null, 400);
        exchange("get_profile", "GET", "/api/profiles/" + member.id() + "?fields%5Bprofile%5D=nosto_segment", null, 400);
    }

    @Test
    void bulkImportOperationsMatchTheSpec() {
        emulator.faults().failInBulkJob("fails@example.com");
        String listId = klaviyo.createList("Nosto Customers");
        Map<String, Object> unset = Map.of("type", "profile", "attributes", Map.of("email", Klaviyo.uniqueEmail("u")),
                "meta", Map.of("patch_properties", Map.of("unset", "nosto_segment")));
        Map<String, Object> body = Map.of("data", Map.of("type", "profile-bulk-import-job",
                "attributes", Map.of("profiles", Map.of("data", List.of(
                        Map.of("type", "profile", "attributes", Map.of("email", Klaviyo.uniqueEmail("b"), "properties", Map.of("nosto_segment", "vip"))),
                        Map.of("type", "profile", "attributes", Map.of("email", "fails@example.com")),
                        unset))),
                "relationships", Map.of("lists", Map.of("data", List.of(Map.of("type", "list", "id", listId))))));

        String jobId = exchange("bulk_import_profiles", "POST", "/api/profile-bulk-import-jobs", body, 202).body().at("/data/id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> account.bulkImportJob(jobId).orElseThrow().status().equals("complete"));

        exchange("get_bulk_import_profiles_job", "GET", "/api/profile-bulk-import-jobs/" + jobId + "?include=lists", null, 200);
        exchange("get_bulk_import_profiles_jobs", "GET", "/api/profile-bulk-import-jobs", null, 200);
        Klaviyo.Response errors = exchange("get_errors_for_bulk_import_profiles_job", "GET", "/api/profile-bulk-import-jobs/" + jobId + "/import-errors", null, 200);
        exchange("get_profile_ids_for_bulk_import_profiles_job", "GET", "/api/profile-bulk-import-jobs/" + jobId + "/relationships/profiles", null, 200);
        exchange("get_profiles_for_bulk_import_profiles_job", "GET", "/api/profile-bulk-import-jobs/" + jobId + "/profiles", null, 200);
        exchange("get_list_for_bulk_import_profiles_job", "GET", "/api/profile-bulk-import-jobs/" + jobId + "/lists", null, 200);
        assertThat(errors.body().path("data")).hasSize(1);
    }

    @Test
    void deletionAndConsentOperationsMatchTheSpec() {
        String email = Klaviyo.uniqueEmail("del");
        klaviyo.upsert(email, Map.of());
        Map<String, Object> deletion = Map.of("data", Map.of("type", "data-privacy-deletion-job", "attributes",
                Map.of("profile", Map.of("data", Map.of("type", "profile", "attributes", Map.of("email", email))))));
        Map<String, Object> subscribe = Map.of("data", Map.of("type", "profile-subscription-bulk-create-job", "attributes",
                Map.of("profiles", Map.of("data", List.of(Map.of("type", "profile", "attributes", Map.of("email", email,
                        "subscriptions", Map.of("email", Map.of("marketing", Map.of("consent", "SUBSCRIBED"))))))))));

        exchange("request_profile_deletion", "POST", "/api/data-privacy-deletion-jobs", deletion, 202);
        exchange("bulk_subscribe_profiles", "POST", "/api/profile-subscription-bulk-create-jobs", subscribe, 202);
    }

    @Test
    void errorAnswersMatchTheSpecsClientErrorSchema() {
        String email = Klaviyo.uniqueEmail("dup");
        klaviyo.upsert(email, Map.of());

        exchange("get_profile", "GET", "/api/profiles/unknown", null, 404);
        exchange("get_lists", "GET", "/api/lists?filter=" + Klaviyo.q("equals(name,nope)"), null, 400);
        Klaviyo.Response duplicate = klaviyo.post("/api/profiles", Klaviyo.profileBody(Map.of("email", email)));
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(OpenApiSpec.validate(spec.response("create_profile", 409).orElseThrow(), duplicate.body())).isEmpty();
        Klaviyo.Response invalid = klaviyo.post("/api/profile-bulk-import-jobs",
                Klaviyo.bulkBody(List.of(Map.of("email", "broken")), null));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(OpenApiSpec.validate(spec.response("bulk_import_profiles", 400).orElseThrow(), invalid.body())).isEmpty();
    }

    @Test
    void throttledAnswerMatchesTheSpec() {
        emulator.faults().failNext("get_lists", 429, 1);

        exchange("get_lists", "GET", "/api/lists", null, 429);
    }

    @Test
    void controlTheValidatorRejectsARequestTheSpecForbids() {
        Map<String, Object> noName = Map.of("data", Map.of("type", "list", "attributes", Map.of()));
        Map<String, Object> unsetAsObject = Klaviyo.patchBody("01X", Map.of(), Map.of("unset", Map.of("a", 1)));

        assertThat(OpenApiSpec.validate(spec.request("create_list").orElseThrow(), Klaviyo.MAPPER.valueToTree(noName))).isNotEmpty();
        assertThat(OpenApiSpec.validate(spec.request("update_profile").orElseThrow(), Klaviyo.MAPPER.valueToTree(unsetAsObject))).isNotEmpty();
    }

    @Test
    void controlTheValidatorRejectsAResponseMissingWhatTheSpecRequires() {
        Klaviyo.Response r = klaviyo.post("/api/lists", Klaviyo.listBody("Control"));
        ObjectNode broken = r.body().deepCopy();
        ((ObjectNode) broken.path("data")).remove("links");
        ((ObjectNode) broken.path("data")).put("type", "profile");

        assertThat(OpenApiSpec.validate(spec.response("create_list", 201).orElseThrow(), r.body())).isEmpty();
        assertThat(OpenApiSpec.validate(spec.response("create_list", 201).orElseThrow(), broken)).hasSizeGreaterThanOrEqualTo(2);
    }
}
