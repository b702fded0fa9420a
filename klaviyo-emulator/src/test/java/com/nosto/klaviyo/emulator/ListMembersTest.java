package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ListMembersTest extends EmulatorTest {

    String listId;
    String jane;
    String john;

    @BeforeEach
    void listAndProfiles() {
        listId = klaviyo.createList("Nosto Customers");
        jane = klaviyo.upsert(Klaviyo.uniqueEmail("jane"), Map.of());
        john = klaviyo.upsert(Klaviyo.uniqueEmail("john"), Map.of());
    }

    private String relationships() {
        return "/api/lists/" + listId + "/relationships/profiles";
    }

    @Test
    void addingProfilesReturns204AndMakesThemMembers() {
        Klaviyo.Response r = klaviyo.post(relationships(), Klaviyo.idsBody(List.of(jane, john)));

        assertThat(r.status()).isEqualTo(204);
        assertThat(r.text()).isEmpty();
        assertThat(account.listMemberIds(listId)).containsExactly(jane, john);
    }

    @Test
    void addingAnExistingMemberAgainIsANoOp204() {
        klaviyo.post(relationships(), Klaviyo.idsBody(List.of(jane)));

        Klaviyo.Response again = klaviyo.post(relationships(), Klaviyo.idsBody(List.of(jane, jane)));

        assertThat(again.status()).isEqualTo(204);
        assertThat(account.listMemberIds(listId)).containsExactly(jane);
    }

    @Test
    void removingANonMemberIsANoOp204() {
        klaviyo.post(relationships(), Klaviyo.idsBody(List.of(jane)));

        Klaviyo.Response r = klaviyo.delete(relationships(), Klaviyo.idsBody(List.of(john)));
        Klaviyo.Response twice = klaviyo.delete(relationships(), Klaviyo.idsBody(List.of(jane)));
        Klaviyo.Response thrice = klaviyo.delete(relationships(), Klaviyo.idsBody(List.of(jane)));

        assertThat(List.of(r.status(), twice.status(), thrice.status())).containsOnly(204);
        assertThat(account.listMemberIds(listId)).isEmpty();
    }

    @Test
    void moreThan1000IdsIs400AndChangesNothing() {
        List<String> ids = new ArrayList<>(Collections.nCopies(1000, jane));
        ids.add(john);

        Klaviyo.Response r = klaviyo.post(relationships(), Klaviyo.idsBody(ids));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("pointer").asText()).isEqualTo("/data");
        assertThat(account.listMemberIds(listId)).isEmpty();
    }

    @Test
    void exactly1000IdsIsAccepted() {
        Klaviyo.Response r = klaviyo.post(relationships(), Klaviyo.idsBody(Collections.nCopies(1000, jane)));

        assertThat(r.status()).isEqualTo(204);
    }

    @Test
    void emailsInsteadOfIdsAreRejected() {
        Klaviyo.Response r = klaviyo.post(relationships(), Map.of("data", List.of(Map.of("type", "profile", "email", "a@b.com"))));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("pointer").asText()).isEqualTo("/data/0/id");
    }

    @Test
    void unknownProfileIdsAreSkippedByDefaultAndRejectedWhenTheDrillSaysSo() {
        Klaviyo.Response skipped = klaviyo.post(relationships(), Klaviyo.idsBody(List.of("01UNKNOWN0000000000000000X", jane)));
        emulator.faults().unknownProfileIds(Faults.UnknownProfileIds.REJECT);
        Klaviyo.Response rejected = klaviyo.post(relationships(), Klaviyo.idsBody(List.of(john, "01UNKNOWN0000000000000000X")));

        assertThat(skipped.status()).isEqualTo(204);
        assertThat(rejected.status()).isEqualTo(400);
        assertThat(rejected.error().path("source").path("pointer").asText()).isEqualTo("/data/1/id");
        assertThat(account.listMemberIds(listId)).containsExactly(jane);
    }

    @Test
    void memberIdsArePagedWithCursors() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            ids.add(account.seedProfile(Klaviyo.uniqueEmail("m" + i), Map.of()).id());
        }
        klaviyo.post(relationships(), Klaviyo.idsBody(ids));

        List<String> seen = new ArrayList<>();
        String url = relationships() + "?page%5Bsize%5D=10";
        int pages = 0;
        while (url != null) {
            Klaviyo.Response page = klaviyo.get(url);
            seen.addAll(page.body().path("data").findValuesAsText("id"));
            url = page.body().path("links").hasNonNull("next") ? page.body().path("links").path("next").asText() : null;
            pages++;
        }

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(ids);
    }

    @Test
    void membersEndpointReturnsFullProfilesFilteredByEmail() {
        String email = account.profile(jane).orElseThrow().email();
        klaviyo.post(relationships(), Klaviyo.idsBody(List.of(jane, john)));

        Klaviyo.Response r = klaviyo.get("/api/lists/" + listId + "/profiles?filter=" + Klaviyo.q("equals(email,\"" + email + "\")"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("data")).hasSize(1);
        assertThat(r.body().path("data").path(0).path("attributes").path("email").asText()).isEqualTo(email);
    }

    @Test
    void membershipNeverTouchesConsent() {
        klaviyo.post(relationships(), Klaviyo.idsBody(List.of(jane)));
        klaviyo.delete(relationships(), Klaviyo.idsBody(List.of(jane)));

        assertThat(account.consentLog()).isEmpty();
        assertThat(account.profile(jane).orElseThrow().emailConsent()).isEqualTo("NEVER_SUBSCRIBED");
    }
}
