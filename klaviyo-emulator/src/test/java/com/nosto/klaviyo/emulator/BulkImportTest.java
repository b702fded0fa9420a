package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BulkImportTest extends EmulatorTest {

    private static Map<String, Object> profile(String email, Map<String, Object> properties) {
        return Map.of("email", email, "properties", properties);
    }

    private String awaitComplete(String jobId) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "complete".equals(klaviyo.get("/api/profile-bulk-import-jobs/" + jobId).body().at("/data/attributes/status").asText()));
        return jobId;
    }

    @Test
    void jobIsAcceptedWith202AndCompletesAsynchronouslyAddingProfilesToTheList() {
        String listId = klaviyo.createList("Nosto Customers");
        String a = Klaviyo.uniqueEmail("a");
        String b = Klaviyo.uniqueEmail("b");

        Klaviyo.Response r = klaviyo.post("/api/profile-bulk-import-jobs",
                Klaviyo.bulkBody(List.of(profile(a, Map.of("nosto_segment", "vip")), profile(b, Map.of("nosto_segment", "new"))), listId));

        assertThat(r.status()).isEqualTo(202);
        assertThat(r.body().at("/data/attributes/status").asText()).isEqualTo("queued");
        assertThat(r.body().at("/data/attributes/total_count").asInt()).isEqualTo(2);
        String jobId = awaitComplete(r.body().at("/data/id").asText());
        Klaviyo.Response job = klaviyo.get("/api/profile-bulk-import-jobs/" + jobId);
        assertThat(job.body().at("/data/attributes/completed_count").asInt()).isEqualTo(2);
        assertThat(job.body().at("/data/relationships/lists/data/0/id").asText()).isEqualTo(listId);
        assertThat(account.listMemberEmails(listId)).containsExactly(a, b);
        assertThat(account.profileByEmail(a).orElseThrow().properties()).containsEntry("nosto_segment", "vip");
    }

    @Test
    void jobProfilesRelationshipListsTheImportedIds() {
        String a = Klaviyo.uniqueEmail("a");
        Profile existing = account.seedProfile(a, Map.of("loyalty", "gold"));
        String jobId = klaviyo.post("/api/profile-bulk-import-jobs",
                Klaviyo.bulkBody(List.of(profile(a, Map.of("nosto_segment", "vip")), profile(Klaviyo.uniqueEmail("b"), Map.of())), null))
                .body().at("/data/id").asText();
        awaitComplete(jobId);

        Klaviyo.Response ids = klaviyo.get("/api/profile-bulk-import-jobs/" + jobId + "/relationships/profiles");

        assertThat(ids.body().path("data").findValuesAsText("id")).hasSize(2).contains(existing.id());
        assertThat(account.profile(existing.id()).orElseThrow().properties()).containsEntry("loyalty", "gold").containsEntry("nosto_segment", "vip");
    }

    @Test
    void oneInvalidProfileRejectsTheWholeRequestWithAPointerToIt() {
        String listId = klaviyo.createList("Nosto Customers");
        String good = Klaviyo.uniqueEmail("good");

        Klaviyo.Response r = klaviyo.post("/api/profile-bulk-import-jobs",
                Klaviyo.bulkBody(List.of(profile(good, Map.of()), profile("broken@", Map.of()), profile(Klaviyo.uniqueEmail("ok"), Map.of())), listId));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().path("errors")).hasSize(1);
        assertThat(r.error().path("source").path("pointer").asText()).isEqualTo("/data/attributes/profiles/data/1/attributes/email");
        assertThat(account.profiles()).isEmpty();
        assertThat(account.bulkImportJobs()).isEmpty();
        assertThat(account.listMemberIds(listId)).isEmpty();
    }

    @Test
    void rejectedEmailFailsTheRequestSynchronously() {
        String rejected = Klaviyo.uniqueEmail("rejected");
        emulator.faults().rejectEmail(rejected);

        Klaviyo.Response r = klaviyo.post("/api/profile-bulk-import-jobs",
                Klaviyo.bulkBody(List.of(profile(Klaviyo.uniqueEmail("ok"), Map.of()), profile(rejected, Map.of())), null));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("pointer").asText()).isEqualTo("/data/attributes/profiles/data/1/attributes/email");
    }

    @Test
    void moreThan10000ProfilesIs400() {
        List<Map<String, Object>> profiles = new ArrayList<>();
        for (int i = 0; i < 10_001; i++) {
            profiles.add(Map.of("email", "p" + i + "@example.com"));
        }

        Klaviyo.Response r = klaviyo.post("/api/profile-bulk-import-jobs", Klaviyo.bulkBody(profiles, null));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("pointer").asText()).isEqualTo("/data/attributes/profiles/data");
    }

    @Test
    void bodyOver5MegabytesIs413() {
        List<Map<String, Object>> profiles = new ArrayList<>();
        String filler = "x".repeat(60_000);
        for (int i = 0; i < 90; i++) {
            profiles.add(Map.of("email", "p" + i + "@example.com", "properties", Map.of("filler", filler)));
        }

        Klaviyo.Response r = klaviyo.post("/api/profile-bulk-import-jobs", Klaviyo.bulkBody(profiles, null));

        assertThat(r.status()).isEqualTo(413);
        assertThat(account.bulkImportJobs()).isEmpty();
    }

    @Test
    void unknownListInTheRelationshipIsRejected() {
        Klaviyo.Response r = klaviyo.post("/api/profile-bulk-import-jobs",
                Klaviyo.bulkBody(List.of(profile(Klaviyo.uniqueEmail("a"), Map.of())), "NOLIST"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("pointer").asText()).isEqualTo("/data/relationships/lists/data/0/id");
    }

    @Test
    void rowsThatFailDuringProcessingShowUpInImportErrors() {
        String bad = Klaviyo.uniqueEmail("fails-later");
        emulator.faults().failInBulkJob(bad);
        String jobId = klaviyo.post("/api/profile-bulk-import-jobs",
                Klaviyo.bulkBody(List.of(profile(Klaviyo.uniqueEmail("ok"), Map.of()), profile(bad, Map.of())), null)).body().at("/data/id").asText();
        awaitComplete(jobId);

        Klaviyo.Response job = klaviyo.get("/api/profile-bulk-import-jobs/" + jobId);
        Klaviyo.Response errors = klaviyo.get("/api/profile-bulk-import-jobs/" + jobId + "/import-errors");

        assertThat(job.body().at("/data/attributes/failed_count").asInt()).isEqualTo(1);
        assertThat(job.body().at("/data/attributes/completed_count").asInt()).isEqualTo(1);
        assertThat(errors.body().path("data")).hasSize(1);
        assertThat(errors.body().at("/data/0/attributes/source/pointer").asText()).isEqualTo("/data/attributes/profiles/data/1");
        assertThat(errors.body().at("/data/0/attributes/original_payload/attributes/email").asText()).isEqualTo(bad);
        assertThat(account.profileByEmail(bad)).isEmpty();
    }

    @Test
    void nullDoesNotClearButUnsetDoesInBulk() {
        String email = Klaviyo.uniqueEmail("unset");
        account.seedProfile(email, Map.of("nosto_segment", "vip", "nosto_segments", List.of("vip"), "keep", "me"));
        Map<String, Object> props = new HashMap<>();
        props.put("nosto_segment", null);
        Map<String, Object> nullAttempt = Map.of("type", "profile", "attributes", Map.of("email", email, "properties", props));
        Map<String, Object> unset = Map.of("type", "profile", "attributes", Map.of("email", email),
                "meta", Map.of("patch_properties", Map.of("unset", List.of("nosto_segments"))));
        Map<String, Object> body = Map.of("data", Map.of("type", "profile-bulk-import-job",
                "attributes", Map.of("profiles", Map.of("data", List.of(nullAttempt, unset)))));

        awaitComplete(klaviyo.post("/api/profile-bulk-import-jobs", body).body().at("/data/id").asText());

        assertThat(account.profileByEmail(email).orElseThrow().properties()).containsOnlyKeys("nosto_segment", "keep");
    }

    @Test
    void slowBulkJobsStayQueuedOrProcessingWhileTheirDelayRuns() {
        // Long enough that even a starved CI machine polls before it ends; completion itself is shown above.
        emulator.faults().slowBulkJobs(Duration.ofMinutes(10));
        String email = Klaviyo.uniqueEmail("slow");
        String jobId = klaviyo.post("/api/profile-bulk-import-jobs",
                Klaviyo.bulkBody(List.of(profile(email, Map.of())), null)).body().at("/data/id").asText();

        String status = klaviyo.get("/api/profile-bulk-import-jobs/" + jobId).body().at("/data/attributes/status").asText();

        assertThat(status).isIn("queued", "processing");
        assertThat(account.profileByEmail(email)).isEmpty();
    }

    @Test
    void unknownJobIs404() {
        assertThat(klaviyo.get("/api/profile-bulk-import-jobs/nope").status()).isEqualTo(404);
    }
}
