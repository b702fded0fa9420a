package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProfilesTest extends EmulatorTest {

    @Test
    void getProfilesByEmailMatchesCaseInsensitively() {
        String email = Klaviyo.uniqueEmail("jane");
        Profile seeded = account.seedProfile(email, Map.of("favourite", "tea"));

        Klaviyo.Response r = klaviyo.get("/api/profiles?filter=" + Klaviyo.q("equals(email,\"" + email.toUpperCase() + "\")"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("data")).hasSize(1);
        assertThat(r.body().path("data").path(0).path("id").asText()).isEqualTo(seeded.id());
        assertThat(r.body().path("data").path(0).path("attributes").path("properties").path("favourite").asText()).isEqualTo("tea");
    }

    @Test
    void getProfilesWithAnyEmailReturnsEachMatch() {
        String a = Klaviyo.uniqueEmail("a");
        String b = Klaviyo.uniqueEmail("b");
        account.seedProfile(a, Map.of());
        account.seedProfile(b, Map.of());
        account.seedProfile(Klaviyo.uniqueEmail("c"), Map.of());

        Klaviyo.Response r = klaviyo.get("/api/profiles?filter=" + Klaviyo.q("any(email,[\"" + a + "\",\"" + b + "\",\"nobody@example.com\"])"));

        assertThat(r.body().path("data").findValuesAsText("email")).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void unencodedPlusInAnEmailFilterMissesTheProfileAsOnKlaviyo() {
        account.seedProfile("jane+vip@example.com", Map.of());

        Klaviyo.Response raw = klaviyo.get("/api/profiles?filter=equals(email,%22jane+vip@example.com%22)");
        Klaviyo.Response encoded = klaviyo.get("/api/profiles?filter=" + Klaviyo.q("equals(email,\"jane+vip@example.com\")"));

        assertThat(raw.body().path("data")).isEmpty();
        assertThat(encoded.body().path("data")).hasSize(1);
    }

    @Test
    void profilesArePagedUpTo100WithCursors() {
        for (int i = 0; i < 130; i++) {
            account.seedProfile(Klaviyo.uniqueEmail("p" + i), Map.of());
        }
        Klaviyo.Response first = klaviyo.get("/api/profiles?page%5Bsize%5D=100");
        Klaviyo.Response second = klaviyo.get(first.body().path("links").path("next").asText());
        Klaviyo.Response tooBig = klaviyo.get("/api/profiles?page%5Bsize%5D=101");
        Klaviyo.Response byDefault = klaviyo.get("/api/profiles");

        assertThat(first.body().path("data")).hasSize(100);
        assertThat(second.body().path("data")).hasSize(30);
        assertThat(second.body().path("links").path("prev").asText()).contains("page%5Bcursor%5D=");
        assertThat(byDefault.body().path("data")).hasSize(20);
        assertThat(tooBig.status()).isEqualTo(400);
    }

    @Test
    void getProfileByIdAnd404ForUnknown() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("id"), Map.of());

        assertThat(klaviyo.get("/api/profiles/" + p.id()).body().path("data").path("attributes").path("email").asText()).isEqualTo(p.email());
        assertThat(klaviyo.get("/api/profiles/01NOPE00000000000000000000").status()).isEqualTo(404);
    }

    @Test
    void subscriptionsAreReturnedOnlyWhenAskedForAndShowNoConsent() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("subs"), Map.of());

        Klaviyo.Response plain = klaviyo.get("/api/profiles/" + p.id());
        Klaviyo.Response withSubs = klaviyo.get("/api/profiles/" + p.id() + "?additional-fields%5Bprofile%5D=subscriptions");

        assertThat(plain.body().path("data").path("attributes").has("subscriptions")).isFalse();
        assertThat(withSubs.body().at("/data/attributes/subscriptions/email/marketing/consent").asText()).isEqualTo("NEVER_SUBSCRIBED");
    }

    @Test
    void createProfileReturns201AndDuplicateEmailIs409WithTheExistingId() {
        String email = Klaviyo.uniqueEmail("dup");
        Klaviyo.Response created = klaviyo.post("/api/profiles", Klaviyo.profileBody(Map.of("email", email)));

        Klaviyo.Response duplicate = klaviyo.post("/api/profiles", Klaviyo.profileBody(Map.of("email", email.toUpperCase())));

        assertThat(created.status()).isEqualTo(201);
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.error().path("code").asText()).isEqualTo("duplicate_profile");
        assertThat(duplicate.error().path("meta").path("duplicate_profile_id").asText()).isEqualTo(created.body().path("data").path("id").asText());
        assertThat(account.profiles()).hasSize(1);
    }

    @Test
    void createProfileRejectsMetaAndUnknownFields() {
        Map<String, Object> withMeta = Map.of("data", Map.of("type", "profile", "attributes", Map.of("email", Klaviyo.uniqueEmail("m")),
                "meta", Map.of("patch_properties", Map.of("unset", "x"))));

        Klaviyo.Response meta = klaviyo.post("/api/profiles", withMeta);
        Klaviyo.Response unknown = klaviyo.post("/api/profiles", Klaviyo.profileBody(Map.of("email", Klaviyo.uniqueEmail("u"), "nickname", "x")));

        assertThat(meta.status()).isEqualTo(400);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.error().path("source").path("pointer").asText()).isEqualTo("/data/attributes/nickname");
    }

    @Test
    void patchMergesPropertiesKeyByKeyAndKeepsTheMerchantsOwn() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("merge"), Map.of("loyalty_tier", "gold"));

        Klaviyo.Response r = klaviyo.patch("/api/profiles/" + p.id(),
                Klaviyo.patchBody(p.id(), Map.of("properties", Map.of("nosto_segment", "vip")), null));

        assertThat(r.status()).isEqualTo(200);
        assertThat(account.profile(p.id()).orElseThrow().properties())
                .containsEntry("loyalty_tier", "gold").containsEntry("nosto_segment", "vip");
    }

    @Test
    void patchUnsetRemovesKeysGivenAsStringOrArray() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("unset"),
                Map.of("nosto_segment", "vip", "nosto_segments", List.of("vip"), "keep", 1));

        klaviyo.patch("/api/profiles/" + p.id(), Klaviyo.patchBody(p.id(), Map.of(), Map.of("unset", "nosto_segment")));
        klaviyo.patch("/api/profiles/" + p.id(), Klaviyo.patchBody(p.id(), Map.of(), Map.of("unset", List.of("nosto_segments"))));

        assertThat(account.profile(p.id()).orElseThrow().properties()).containsOnlyKeys("keep");
    }

    @Test
    void patchUnsetWithAnObjectIs400AsKlaviyoAnswers() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("unset-bad"), Map.of("nosto_segment", "vip"));

        Klaviyo.Response r = klaviyo.patch("/api/profiles/" + p.id(), Klaviyo.patchBody(p.id(), Map.of(), Map.of("unset", Map.of())));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("detail").asText()).isEqualTo("Unset must be a string or an array of strings");
        assertThat(account.profile(p.id()).orElseThrow().properties()).containsKey("nosto_segment");
    }

    @Test
    void appendTurnsAScalarIntoAnArrayAndAddsValues() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("append"), Map.of("nosto_segments", "vip"));

        klaviyo.patch("/api/profiles/" + p.id(), Klaviyo.patchBody(p.id(), Map.of(), Map.of("append", Map.of("nosto_segments", "new"))));
        klaviyo.patch("/api/profiles/" + p.id(),
                Klaviyo.patchBody(p.id(), Map.of(), Map.of("append", Map.of("nosto_segments", List.of("a", "b")))));

        assertThat(account.profile(p.id()).orElseThrow().properties().get("nosto_segments")).isEqualTo(List.of("vip", "new", "a", "b"));
    }

    @Test
    void appendDoesNotDeduplicateSoOnlyIdempotentClientsStayClean() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("append2"), Map.of());
        Map<String, Object> body = Klaviyo.patchBody(p.id(), Map.of(), Map.of("append", Map.of("nosto_segments", "vip")));

        klaviyo.patch("/api/profiles/" + p.id(), body);
        klaviyo.patch("/api/profiles/" + p.id(), body);

        assertThat(account.profile(p.id()).orElseThrow().properties().get("nosto_segments")).isEqualTo(List.of("vip", "vip"));
    }

    @Test
    void unappendRemovesEveryOccurrenceOfTheValues() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("unappend"), Map.of("nosto_segments", List.of("vip", "lapsed", "vip", "new")));

        klaviyo.patch("/api/profiles/" + p.id(), Klaviyo.patchBody(p.id(), Map.of(), Map.of("unappend", Map.of("nosto_segments", "vip"))));

        assertThat(account.profile(p.id()).orElseThrow().properties().get("nosto_segments")).isEqualTo(List.of("lapsed", "new"));
    }

    @Test
    void patchWithNullClearsAFieldAndAbsentFieldsStay() {
        Map<String, Object> attrs = new HashMap<>();
        attrs.put("email", Klaviyo.uniqueEmail("null"));
        attrs.put("first_name", "Jane");
        attrs.put("last_name", "Doe");
        String id = klaviyo.post("/api/profiles", Klaviyo.profileBody(attrs)).body().path("data").path("id").asText();
        Map<String, Object> clear = new HashMap<>();
        clear.put("first_name", null);

        klaviyo.patch("/api/profiles/" + id, Klaviyo.patchBody(id, clear, null));

        assertThat(account.profile(id).orElseThrow().attributes()).doesNotContainKey("first_name").containsEntry("last_name", "Doe");
    }

    @Test
    void patchToAnotherProfilesEmailIs409Duplicate() {
        Profile a = account.seedProfile(Klaviyo.uniqueEmail("a"), Map.of());
        Profile b = account.seedProfile(Klaviyo.uniqueEmail("b"), Map.of());

        Klaviyo.Response r = klaviyo.patch("/api/profiles/" + b.id(), Klaviyo.patchBody(b.id(), Map.of("email", a.email()), null));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error().path("meta").path("duplicate_profile_id").asText()).isEqualTo(a.id());
    }

    @Test
    void patchWithMismatchedIdIs409Conflict() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("mismatch"), Map.of());

        Klaviyo.Response r = klaviyo.patch("/api/profiles/" + p.id(), Klaviyo.patchBody("01OTHER0000000000000000000", Map.of(), null));

        assertThat(r.status()).isEqualTo(409);
    }

    @Test
    void profileImportCreatesWith201ThenUpdatesWith200KeepingTheId() {
        String email = Klaviyo.uniqueEmail("upsert");
        Klaviyo.Response created = klaviyo.post("/api/profile-import", Klaviyo.profileBody(Map.of("email", email, "properties", Map.of("a", 1))));

        Klaviyo.Response updated = klaviyo.post("/api/profile-import",
                Klaviyo.profileBody(Map.of("email", "  " + email.toUpperCase() + " ", "properties", Map.of("b", 2))));

        assertThat(created.status()).isEqualTo(201);
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.body().path("data").path("id").asText()).isEqualTo(created.body().path("data").path("id").asText());
        assertThat(account.profileByEmail(email).orElseThrow().properties()).containsEntry("a", 1).containsEntry("b", 2);
        assertThat(account.profiles()).hasSize(1);
    }

    @Test
    void profileImportAppliesPatchProperties() {
        String email = Klaviyo.uniqueEmail("upsert-meta");
        account.seedProfile(email, Map.of("nosto_segment", "vip", "nosto_segments", List.of("vip")));
        Map<String, Object> data = Map.of("type", "profile", "attributes", Map.of("email", email),
                "meta", Map.of("patch_properties", Map.of("unset", List.of("nosto_segment", "nosto_segments"))));

        Klaviyo.Response r = klaviyo.post("/api/profile-import", Map.of("data", data));

        assertThat(r.status()).isEqualTo(200);
        assertThat(account.profileByEmail(email).orElseThrow().properties()).isEmpty();
    }

    @Test
    void profileImportWhoseIdentifiersPointAtTwoProfilesIs409() {
        Map<String, Object> a = new HashMap<>(Map.of("email", Klaviyo.uniqueEmail("a")));
        klaviyo.post("/api/profiles", Klaviyo.profileBody(a));
        Klaviyo.Response b = klaviyo.post("/api/profiles", Klaviyo.profileBody(Map.of("phone_number", "+15555550123")));

        Klaviyo.Response r = klaviyo.post("/api/profile-import", Klaviyo.profileBody(Map.of("email", a.get("email"), "phone_number", "+15555550123")));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error().path("meta").path("duplicate_profile_id").asText()).isEqualTo(b.body().path("data").path("id").asText());
    }

    @Test
    void profileImportWithAnUnknownIdIs404() {
        Map<String, Object> data = Map.of("type", "profile", "id", "01NOPE00000000000000000000", "attributes", Map.of("properties", Map.of()));

        assertThat(klaviyo.post("/api/profile-import", Map.of("data", data)).status()).isEqualTo(404);
    }

    @Test
    void invalidAndRejectedEmailsAre400PointingAtTheEmail() {
        String rejected = Klaviyo.uniqueEmail("rejected");
        emulator.faults().rejectEmail(rejected);

        Klaviyo.Response malformed = klaviyo.post("/api/profile-import", Klaviyo.profileBody(Map.of("email", "not-an-email")));
        Klaviyo.Response refused = klaviyo.post("/api/profile-import", Klaviyo.profileBody(Map.of("email", rejected)));

        assertThat(List.of(malformed.status(), refused.status())).containsOnly(400);
        assertThat(refused.error().path("source").path("pointer").asText()).isEqualTo("/data/attributes/email");
        assertThat(account.profiles()).isEmpty();
    }

    @Test
    void aProfileWithoutIdentifierIs400() {
        Klaviyo.Response r = klaviyo.post("/api/profile-import", Klaviyo.profileBody(Map.of("properties", Map.of("a", 1))));

        assertThat(r.status()).isEqualTo(400);
    }

    @Test
    void subscriptionsFieldInAProfileIsRecordedAsConsentAndRejected() {
        Map<String, Object> attrs = Map.of("email", Klaviyo.uniqueEmail("consent"),
                "subscriptions", Map.of("email", Map.of("marketing", Map.of("consent", "SUBSCRIBED"))));

        Klaviyo.Response r = klaviyo.post("/api/profile-import", Klaviyo.profileBody(attrs));

        assertThat(r.status()).isEqualTo(400);
        assertThat(account.consentLog()).singleElement().extracting(ConsentEvent::what).isEqualTo("attributes.subscriptions");
    }

    @Test
    void dataPrivacyDeletionRemovesTheProfileEverywhere() {
        String listId = klaviyo.createList("Nosto Customers");
        String email = Klaviyo.uniqueEmail("gone");
        String id = klaviyo.upsert(email, Map.of());
        klaviyo.post("/api/lists/" + listId + "/relationships/profiles", Klaviyo.idsBody(List.of(id)));
        Map<String, Object> body = Map.of("data", Map.of("type", "data-privacy-deletion-job", "attributes",
                Map.of("profile", Map.of("data", Map.of("type", "profile", "attributes", Map.of("email", email))))));

        Klaviyo.Response r = klaviyo.post("/api/data-privacy-deletion-jobs", body);

        assertThat(r.status()).isEqualTo(202);
        assertThat(account.profileByEmail(email)).isEmpty();
        assertThat(account.listMemberIds(listId)).isEmpty();
        assertThat(account.deletionRequests()).hasSize(1);
    }

    @Test
    void dataPrivacyDeletionNeedsExactlyOneIdentifier() {
        Map<String, Object> body = Map.of("data", Map.of("type", "data-privacy-deletion-job", "attributes",
                Map.of("profile", Map.of("data", Map.of("type", "profile", "id", "01X", "attributes", Map.of("email", "a@b.com"))))));

        assertThat(klaviyo.post("/api/data-privacy-deletion-jobs", body).status()).isEqualTo(400);
    }

    @Test
    void sparseFieldsetsLimitTheAttributes() {
        Profile p = account.seedProfile(Klaviyo.uniqueEmail("sparse"), Map.of("a", 1));

        Klaviyo.Response r = klaviyo.get("/api/profiles/" + p.id() + "?fields%5Bprofile%5D=email,properties");

        List<String> names = new ArrayList<>();
        r.body().path("data").path("attributes").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("email", "properties");
    }
}
