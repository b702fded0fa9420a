package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reads an audit of an account makes, as the spec describes them: a list's members with their properties, paged
 * by cursor while the list changes; lists found by name; profiles by id and by any of several emails; sparse
 * fieldsets and additional fields checked against the names the spec lists.
 */
class AuditReadPathsTest extends EmulatorTest {

    String listId;
    List<String> ids;

    @BeforeEach
    void listWithMembers() {
        listId = account.seedList("Nosto Customers").id();
        ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(account.seedProfile(Klaviyo.uniqueEmail("m" + i), Map.of("nosto_segment", "s" + i, "loyalty", "gold")).id());
        }
        account.addMembers(listId, ids);
    }

    private String members(String query) {
        return "/api/lists/" + listId + "/profiles" + query;
    }

    private static List<String> idsOf(Klaviyo.Response page) {
        return page.body().path("data").findValuesAsText("id");
    }

    private static String next(Klaviyo.Response page) {
        return page.body().path("links").hasNonNull("next") ? page.body().path("links").path("next").asText() : null;
    }

    @Test
    void aMemberPageCursorHoldsWhenMembersLeaveAndJoinBetweenPages() {
        Klaviyo.Response first = klaviyo.get(members("?page%5Bsize%5D=3"));
        // The merchant removes a member already read and one not read yet; another joins.
        account.removeMembers(listId, List.of(ids.get(0), ids.get(4)));
        String late = account.seedProfile(Klaviyo.uniqueEmail("late"), Map.of()).id();
        account.addMembers(listId, List.of(late));

        List<String> seen = new ArrayList<>(idsOf(first));
        for (String url = next(first); url != null; ) {
            Klaviyo.Response page = klaviyo.get(url);
            seen.addAll(idsOf(page));
            url = next(page);
        }

        assertThat(seen).containsExactly(ids.get(0), ids.get(1), ids.get(2), ids.get(3), ids.get(5), ids.get(6), late);
    }

    @Test
    void prevLinksPageBackFromAnyCursor() {
        Klaviyo.Response first = klaviyo.get(members("?page%5Bsize%5D=3"));
        Klaviyo.Response second = klaviyo.get(next(first));

        Klaviyo.Response back = klaviyo.get(second.body().path("links").path("prev").asText());

        assertThat(idsOf(second)).containsExactly(ids.get(3), ids.get(4), ids.get(5));
        assertThat(idsOf(back)).isEqualTo(idsOf(first));
        assertThat(first.body().path("links").has("prev")).isFalse();
    }

    @Test
    void membersSortNewestFirstOnRequest() {
        Klaviyo.Response newest = klaviyo.get(members("?sort=-joined_group_at&page%5Bsize%5D=4"));
        Klaviyo.Response rest = klaviyo.get(next(newest));

        assertThat(idsOf(newest)).containsExactly(ids.get(6), ids.get(5), ids.get(4), ids.get(3));
        assertThat(idsOf(rest)).containsExactly(ids.get(2), ids.get(1), ids.get(0));
    }

    @Test
    void aSortTheSpecDoesNotListIs400() {
        Klaviyo.Response r = klaviyo.get(members("?sort=email"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("parameter").asText()).isEqualTo("sort");
    }

    @Test
    void memberPageSizeIsOneToAHundred() {
        assertThat(klaviyo.get(members("?page%5Bsize%5D=100")).status()).isEqualTo(200);
        assertThat(klaviyo.get(members("?page%5Bsize%5D=1")).body().path("data")).hasSize(1);
        assertThat(klaviyo.get(members("?page%5Bsize%5D=0")).status()).isEqualTo(400);
        assertThat(klaviyo.get(members("?page%5Bsize%5D=101")).status()).isEqualTo(400);
        assertThat(klaviyo.get(members("")).body().path("data")).hasSize(7);
    }

    @Test
    void membersWithASparseFieldsetCarryTheirEmailPropertiesAndJoinTimeOnly() {
        Klaviyo.Response r = klaviyo.get(members("?fields%5Bprofile%5D=email,properties&page%5Bsize%5D=100"));

        JsonNode attributes = r.body().path("data").path(0).path("attributes");
        List<String> names = new ArrayList<>();
        attributes.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("email", "properties", "joined_group_at");
        assertThat(attributes.path("properties").path("nosto_segment").asText()).isEqualTo("s0");
        assertThat(attributes.path("properties").path("loyalty").asText()).isEqualTo("gold");
    }

    @Test
    void additionalFieldsAddSubscriptionsAndPredictiveAnalyticsAndNothingElse() {
        Klaviyo.Response both = klaviyo.get(members("?additional-fields%5Bprofile%5D=subscriptions,predictive_analytics"));
        Klaviyo.Response plain = klaviyo.get(members(""));
        Klaviyo.Response unknown = klaviyo.get(members("?additional-fields%5Bprofile%5D=segments"));

        JsonNode attributes = both.body().path("data").path(0).path("attributes");
        assertThat(attributes.path("subscriptions").path("email").path("marketing").path("consent").asText()).isEqualTo("NEVER_SUBSCRIBED");
        assertThat(attributes.path("predictive_analytics").has("historic_clv")).isTrue();
        assertThat(plain.body().path("data").path(0).path("attributes").has("predictive_analytics")).isFalse();
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.error().path("source").path("parameter").asText()).isEqualTo("additional-fields[profile]");
    }

    @Test
    void aSparseFieldsetKeepsOneFieldOfAnObjectAttribute() {
        Klaviyo.Response r = klaviyo.get("/api/profiles/" + ids.get(0) + "?fields%5Bprofile%5D=email,location.city");

        JsonNode attributes = r.body().path("data").path("attributes");
        List<String> names = new ArrayList<>();
        attributes.fieldNames().forEachRemaining(names::add);
        List<String> location = new ArrayList<>();
        attributes.path("location").fieldNames().forEachRemaining(location::add);
        assertThat(names).containsExactlyInAnyOrder("email", "location");
        assertThat(location).containsExactly("city");
    }

    @Test
    void aFieldTheSpecDoesNotListIs400() {
        Klaviyo.Response profile = klaviyo.get("/api/profiles/" + ids.get(0) + "?fields%5Bprofile%5D=email,nosto_segment");
        Klaviyo.Response list = klaviyo.get("/api/lists?fields%5Blist%5D=name,members");

        assertThat(profile.status()).isEqualTo(400);
        assertThat(profile.error().path("source").path("parameter").asText()).isEqualTo("fields[profile]");
        assertThat(list.status()).isEqualTo(400);
        assertThat(list.error().path("source").path("parameter").asText()).isEqualTo("fields[list]");
    }

    @Test
    void listsAreFoundByNameWithEveryDuplicateAndASparseFieldset() {
        String second = account.seedList("Nosto Customers").id();
        account.seedList("Other");

        Klaviyo.Response r = klaviyo.get("/api/lists?filter=" + Klaviyo.q("equals(name,\"Nosto Customers\")") + "&fields%5Blist%5D=name");

        assertThat(idsOf(r)).containsExactly(listId, second);
        List<String> names = new ArrayList<>();
        r.body().path("data").path(0).path("attributes").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("name");
    }

    @Test
    void profilesAreFoundByAnyOfSeveralEmailsWithTheirProperties() {
        String a = account.profile(ids.get(1)).orElseThrow().email();
        String b = account.profile(ids.get(5)).orElseThrow().email();

        Klaviyo.Response r = klaviyo.get("/api/profiles?filter=" + Klaviyo.q("any(email,[\"" + a + "\",\"" + b.toUpperCase()
                + "\",\"nobody@example.com\"])") + "&fields%5Bprofile%5D=email,properties&page%5Bsize%5D=100");

        assertThat(idsOf(r)).containsExactly(ids.get(1), ids.get(5));
        assertThat(r.body().path("data").path(1).path("attributes").path("properties").path("nosto_segment").asText()).isEqualTo("s5");
    }
}
