package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Profiles are found by email through an index (bulk jobs match each profile by email): it must follow every way an
 * email changes, so lookups answer exactly as a scan of all profiles would.
 */
class EmailIndexTest extends EmulatorTest {

    private List<String> idsFor(String... emails) {
        StringBuilder list = new StringBuilder();
        for (String e : emails) {
            list.append(list.isEmpty() ? "" : ",").append('"').append(e).append('"');
        }
        return klaviyo.get("/api/profiles?filter=" + Klaviyo.q("any(email,[" + list + "])")).body().path("data").findValuesAsText("id");
    }

    @Test
    void aChangedEmailIsFoundUnderTheNewOneOnly() {
        String before = Klaviyo.uniqueEmail("before");
        String after = Klaviyo.uniqueEmail("after");
        Profile p = account.seedProfile(before, Map.of());

        Klaviyo.Response r = klaviyo.patch("/api/profiles/" + p.id(), Klaviyo.patchBody(p.id(), Map.of("email", after.toUpperCase()), null));

        assertThat(r.status()).isEqualTo(200);
        assertThat(idsFor(before)).isEmpty();
        assertThat(idsFor(after)).containsExactly(p.id());
        assertThat(account.profileByEmail(after)).map(Profile::id).contains(p.id());
        assertThat(account.profileByEmail(before)).isEmpty();
    }

    @Test
    void aClearedEmailIsNoLongerFound() {
        String email = Klaviyo.uniqueEmail("cleared");
        Profile p = account.seedProfile(email, Map.of());
        java.util.Map<String, Object> clear = new java.util.HashMap<>();
        clear.put("email", null);
        clear.put("phone_number", "+15005550006");

        klaviyo.patch("/api/profiles/" + p.id(), Klaviyo.patchBody(p.id(), clear, null));

        assertThat(idsFor(email)).isEmpty();
        assertThat(account.profileByEmail(email)).isEmpty();
    }

    @Test
    void aBulkJobMatchesExistingProfilesByEmailAndIndexesTheNewOnes() throws Exception {
        String existing = Klaviyo.uniqueEmail("existing");
        String created = Klaviyo.uniqueEmail("created");
        Profile p = account.seedProfile(existing, Map.of());

        Klaviyo.Response job = klaviyo.post("/api/profile-bulk-import-jobs", Klaviyo.bulkBody(List.of(
                Map.of("email", existing.toUpperCase(), "properties", Map.of("nosto_segment", "vip")),
                Map.of("email", created, "properties", Map.of("nosto_segment", "vip"))), null));
        assertThat(job.status()).isEqualTo(202);
        String jobId = job.body().path("data").path("id").asText();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> account.bulkImportJob(jobId).map(j -> "complete".equals(j.status())).orElse(false));

        assertThat(account.profiles()).hasSize(2);
        assertThat(idsFor(existing)).containsExactly(p.id());
        assertThat(idsFor(created)).hasSize(1).doesNotContain(p.id());
        assertThat(idsFor(created, existing)).hasSize(2).first().isEqualTo(p.id());
    }

    @Test
    void aDeletedProfileIsNoLongerFound() {
        String email = Klaviyo.uniqueEmail("deleted");
        account.seedProfile(email, Map.of());

        Klaviyo.Response r = klaviyo.post("/api/data-privacy-deletion-jobs", Map.of("data", Map.of("type", "data-privacy-deletion-job",
                "attributes", Map.of("profile", Map.of("data", Map.of("type", "profile", "attributes", Map.of("email", email)))))));

        assertThat(r.status()).isEqualTo(202);
        assertThat(idsFor(email)).isEmpty();
        assertThat(account.profileByEmail(email)).isEmpty();
    }

    @Test
    void anEmailHeldByTwoProfilesIsFoundByScanningAndIndexedAgainWhenOneLetsGo() {
        String email = Klaviyo.uniqueEmail("shared");
        Profile first = account.seedProfile(email, Map.of());
        Profile second = account.seedProfile(Klaviyo.uniqueEmail("other"), Map.of());
        synchronized (account) {
            // No API call makes two profiles share an email (409); the index must stay exact if one ever does.
            account.profiles.get(second.id()).setEmail(email);
        }

        assertThat(idsFor(email)).containsExactly(first.id(), second.id());
        assertThat(account.profileByEmail(email)).map(Profile::id).contains(first.id());

        String moved = Klaviyo.uniqueEmail("moved");
        klaviyo.patch("/api/profiles/" + first.id(), Klaviyo.patchBody(first.id(), Map.of("email", moved), null));

        assertThat(idsFor(email)).containsExactly(second.id());
        assertThat(account.profileByEmail(email)).map(Profile::id).contains(second.id());
        assertThat(idsFor(moved)).containsExactly(first.id());
    }
}
