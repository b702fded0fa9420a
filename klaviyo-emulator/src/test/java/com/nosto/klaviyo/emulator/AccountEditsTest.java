package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Changes a merchant's hand edits or Klaviyo itself make to an account, through the Java API ({@link EmulatedAccount})
 * and the admin routes under {@code /__emulator/accounts/{key}/}: each shows in what Klaviyo's API answers (which is
 * what an audit reads), and none is a call of the account's key.
 */
class AccountEditsTest extends EmulatorTest {

    String listId;
    Profile jane;
    Profile john;

    @BeforeEach
    void listWithTwoMembers() {
        listId = account.seedList("Nosto Customers").id();
        jane = account.seedProfile(Klaviyo.uniqueEmail("jane"), Map.of("nosto_segment", "vip", "nosto_segments", List.of("vip"), "tier", "gold"));
        john = account.seedProfile(Klaviyo.uniqueEmail("john"), Map.of("nosto_segment", "new"));
        account.addMembers(listId, List.of(jane.id(), john.id()));
    }

    private Klaviyo admin() {
        return new Klaviyo(emulator.baseUrl(), null).header("Content-Type", "application/json");
    }

    private String edits() {
        return "/__emulator/accounts/" + key;
    }

    private List<String> memberIdsFromTheApi(String list) {
        return klaviyo.get("/api/lists/" + list + "/relationships/profiles?page%5Bsize%5D=100").body().path("data").findValuesAsText("id");
    }

    private JsonNode propertiesFromTheApi(String profileId) {
        return klaviyo.get("/api/profiles/" + profileId).body().at("/data/attributes/properties");
    }

    private List<String> listIdsNamed(String name) {
        return klaviyo.get("/api/lists?filter=" + Klaviyo.q("equals(name,\"" + name + "\")")).body().path("data").findValuesAsText("id");
    }

    // ---- Java API ----

    @Test
    void removingMembersByHandTakesThemOffTheList() {
        int removed = account.removeMembers(listId, List.of(jane.id(), "01NOTAMEMBER00000000000000"));

        assertThat(removed).isEqualTo(1);
        assertThat(memberIdsFromTheApi(listId)).containsExactly(john.id());
        assertThat(account.profile(jane.id())).isPresent();
    }

    @Test
    void addingAProfileByHandPutsItOnTheList() {
        Profile foreign = account.seedProfile(Klaviyo.uniqueEmail("foreign"), Map.of());

        int added = account.addMembers(listId, List.of(foreign.id(), jane.id()));

        assertThat(added).isEqualTo(1);
        assertThat(memberIdsFromTheApi(listId)).containsExactly(jane.id(), john.id(), foreign.id());
        assertThatThrownBy(() -> account.addMembers(listId, List.of("01UNKNOWN0000000000000000X"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void editingPropertiesByHandSetsAndUnsetsThem() {
        account.editProperties(jane.id(), Map.of("nosto_segment", "lapsed"), List.of("nosto_segments"));

        JsonNode properties = propertiesFromTheApi(jane.id());
        assertThat(properties.path("nosto_segment").asText()).isEqualTo("lapsed");
        assertThat(properties.has("nosto_segments")).isFalse();
        assertThat(properties.path("tier").asText()).isEqualTo("gold");
    }

    @Test
    void aDeletedProfileVanishesWithItsMembershipsAndItsIdIsUnknown() {
        boolean deleted = account.deleteProfile(jane.id());

        assertThat(deleted).isTrue();
        assertThat(klaviyo.get("/api/profiles/" + jane.id()).status()).isEqualTo(404);
        assertThat(memberIdsFromTheApi(listId)).containsExactly(john.id());
        assertThat(klaviyo.get("/api/profiles?filter=" + Klaviyo.q("equals(email,\"" + jane.email() + "\")")).body().path("data")).isEmpty();
        assertThat(klaviyo.post("/api/profile-import", Map.of("data", Map.of("type", "profile", "id", jane.id(),
                "attributes", Map.of("properties", Map.of("nosto_segment", "vip")))))).extracting(Klaviyo.Response::status).isEqualTo(404);
        assertThat(account.deletionRequests()).isEmpty();
    }

    @Test
    void aMergeKeepsTheDestinationAndTheSourceIdIsUnknown() {
        String other = account.seedList("Other").id();
        account.addMembers(other, List.of(john.id()));

        Profile survivor = account.mergeProfiles(john.id(), jane.id());

        assertThat(survivor.id()).isEqualTo(jane.id());
        assertThat(survivor.email()).isEqualTo(jane.email());
        assertThat(survivor.properties()).containsEntry("nosto_segment", "vip").containsEntry("tier", "gold");
        assertThat(klaviyo.get("/api/profiles/" + john.id()).status()).isEqualTo(404);
        assertThat(memberIdsFromTheApi(listId)).containsExactly(jane.id());
        assertThat(memberIdsFromTheApi(other)).containsExactly(jane.id());
        assertThat(account.profileByEmail(john.email())).isEmpty();
    }

    @Test
    void aMergeFillsWhatTheDestinationLacks() {
        Profile bare = account.seedProfile(Klaviyo.uniqueEmail("bare"), Map.of());

        Profile survivor = account.mergeProfiles(jane.id(), bare.id());

        assertThat(survivor.properties()).containsEntry("nosto_segment", "vip").containsEntry("tier", "gold");
        assertThat(survivor.email()).isEqualTo(bare.email());
        assertThat(memberIdsFromTheApi(listId)).containsExactly(john.id(), bare.id());
    }

    @Test
    void aRenamedListIsNoLongerFoundByItsName() {
        account.renameList(listId, "Nosto Customers (old)");

        assertThat(listIdsNamed("Nosto Customers")).isEmpty();
        assertThat(klaviyo.get("/api/lists/" + listId).body().at("/data/attributes/name").asText()).isEqualTo("Nosto Customers (old)");
    }

    @Test
    void aDeletedListIsGoneWithItsMembershipsButNotItsProfiles() {
        account.deleteList(listId);

        assertThat(klaviyo.get("/api/lists/" + listId).status()).isEqualTo(404);
        assertThat(klaviyo.get("/api/lists/" + listId + "/profiles").status()).isEqualTo(404);
        assertThat(listIdsNamed("Nosto Customers")).isEmpty();
        assertThat(klaviyo.get("/api/profiles/" + jane.id()).status()).isEqualTo(200);
    }

    @Test
    void aSecondListWithTheSameNameIsFoundBesideTheFirst() {
        String second = account.seedList("Nosto Customers").id();

        assertThat(listIdsNamed("Nosto Customers")).containsExactly(listId, second);
        assertThat(account.listsByName("Nosto Customers")).extracting(KlaviyoList::id).containsExactly(listId, second);
        assertThat(account.listByName("Nosto Customers")).map(KlaviyoList::id).contains(listId);
    }

    @Test
    void handEditsAreNotCallsOfTheAccountsKey() {
        account.removeMembers(listId, List.of(jane.id()));
        account.editProperties(john.id(), Map.of(), List.of("nosto_segment"));
        admin().patch(edits() + "/lists/" + listId, Map.of("name", "x"));
        admin().delete(edits() + "/profiles/" + jane.id(), null);

        assertThat(emulator.calls().forKey(key)).isEmpty();
        assertThat(emulator.calls().all()).noneMatch(c -> c.path().startsWith("/__emulator"));
    }

    // ---- admin routes ----

    @Test
    void membersAreRemovedOverHttp() {
        Klaviyo.Response r = admin().delete(edits() + "/lists/" + listId + "/members", Map.of("profileIds", List.of(jane.id())));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("removed").asInt()).isEqualTo(1);
        assertThat(account.listMemberIds(listId)).containsExactly(john.id());
    }

    @Test
    void aProfileIsAddedOverHttpByIdOrByAnEmailThatMayBeNew() {
        String newEmail = Klaviyo.uniqueEmail("walk-in");
        Profile foreign = account.seedProfile(Klaviyo.uniqueEmail("foreign"), Map.of());

        Klaviyo.Response r = admin().post(edits() + "/lists/" + listId + "/members",
                Map.of("profileIds", List.of(foreign.id()), "emails", List.of(newEmail)));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("added").asInt()).isEqualTo(2);
        assertThat(account.listMemberEmails(listId)).containsExactly(jane.email(), john.email(), foreign.email(), newEmail);
    }

    @Test
    void propertiesAreEditedOverHttp() {
        Klaviyo.Response r = admin().patch(edits() + "/profiles/" + jane.id(),
                Map.of("properties", Map.of("nosto_segments", List.of("vip", "hand-made")), "unset", List.of("nosto_segment")));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().at("/properties/nosto_segments/1").asText()).isEqualTo("hand-made");
        assertThat(account.profile(jane.id()).orElseThrow().properties()).doesNotContainKey("nosto_segment")
                .containsEntry("nosto_segments", List.of("vip", "hand-made"));
    }

    @Test
    void aProfileIsDeletedOverHttp() {
        Klaviyo.Response r = admin().delete(edits() + "/profiles/" + jane.id(), null);

        assertThat(r.status()).isEqualTo(204);
        assertThat(account.profile(jane.id())).isEmpty();
        assertThat(account.listMemberIds(listId)).containsExactly(john.id());
        assertThat(admin().delete(edits() + "/profiles/" + jane.id(), null).status()).isEqualTo(404);
    }

    @Test
    void profilesAreMergedOverHttp() {
        Klaviyo.Response r = admin().post(edits() + "/profile-merges", Map.of("source", john.id(), "destination", jane.id()));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("id").asText()).isEqualTo(jane.id());
        assertThat(account.profile(john.id())).isEmpty();
    }

    @Test
    void listsAreCreatedRenamedAndDeletedOverHttp() {
        Klaviyo.Response created = admin().post(edits() + "/lists", Map.of("name", "Nosto Customers"));
        String second = created.body().path("id").asText();
        Klaviyo.Response renamed = admin().patch(edits() + "/lists/" + listId, Map.of("name", "Renamed"));
        Klaviyo.Response deleted = admin().delete(edits() + "/lists/" + second, null);

        assertThat(created.status()).isEqualTo(201);
        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.body().path("name").asText()).isEqualTo("Renamed");
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(account.lists()).extracting(KlaviyoList::name).containsExactly("Renamed");
    }

    @Test
    void unknownKeysListsAndProfilesAre404OverHttp() {
        assertThat(admin().patch("/__emulator/accounts/pk_nobody/lists/" + listId, Map.of("name", "x")).status()).isEqualTo(404);
        assertThat(admin().patch(edits() + "/lists/NOPE", Map.of("name", "x")).status()).isEqualTo(404);
        assertThat(admin().patch(edits() + "/profiles/01NOPE", Map.of("unset", List.of("a"))).status()).isEqualTo(404);
        assertThat(admin().post(edits() + "/lists", Map.of()).status()).isEqualTo(400);
    }
}
