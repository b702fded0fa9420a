package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListsTest extends EmulatorTest {

    @Test
    void createListReturns201WithAShortIdAndTheName() {
        Klaviyo.Response r = klaviyo.post("/api/lists", Klaviyo.listBody("Nosto Customers"));

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.header("Content-Type")).startsWith("application/vnd.api+json");
        JsonNode data = r.body().path("data");
        assertThat(data.path("type").asText()).isEqualTo("list");
        assertThat(data.path("id").asText()).matches("[A-Za-z0-9]{6}");
        assertThat(data.path("attributes").path("name").asText()).isEqualTo("Nosto Customers");
        assertThat(account.listByName("Nosto Customers")).get().extracting(KlaviyoList::id).isEqualTo(data.path("id").asText());
    }

    @Test
    void createListWithoutNameIs400PointingAtName() {
        Klaviyo.Response r = klaviyo.post("/api/lists", "{\"data\":{\"type\":\"list\",\"attributes\":{}}}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("pointer").asText()).isEqualTo("/data/attributes/name");
        assertThat(account.lists()).isEmpty();
    }

    @Test
    void filterByNameFindsOnlyExactMatchesAndAllowsDuplicateNames() {
        String first = klaviyo.createList("Nosto Customers");
        String second = klaviyo.createList("Nosto Customers");
        klaviyo.createList("Nosto Customers (old)");

        Klaviyo.Response r = klaviyo.get("/api/lists?filter=" + Klaviyo.q("equals(name,\"Nosto Customers\")"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("data").findValuesAsText("id")).containsExactly(first, second);
    }

    @Test
    void filterWithUnquotedStringIs400InvalidFilter() {
        Klaviyo.Response r = klaviyo.get("/api/lists?filter=" + Klaviyo.q("equals(name,Nosto)"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("parameter").asText()).isEqualTo("filter");
    }

    @Test
    void listsArePagedTenAtATimeWithCursorLinks() {
        for (int i = 0; i < 12; i++) {
            account.seedList("list " + i);
        }
        Klaviyo.Response first = klaviyo.get("/api/lists");
        List<String> names = new ArrayList<>(first.body().path("data").findValuesAsText("name"));
        String next = first.body().path("links").path("next").asText();
        Klaviyo.Response second = klaviyo.get(next);
        names.addAll(second.body().path("data").findValuesAsText("name"));

        assertThat(first.body().path("data")).hasSize(10);
        assertThat(second.body().path("data")).hasSize(2);
        assertThat(second.body().path("links").has("next")).isFalse();
        assertThat(names).hasSize(12).doesNotHaveDuplicates();
    }

    @Test
    void pageSizeAboveTenIsRejectedForLists() {
        Klaviyo.Response r = klaviyo.get("/api/lists?page%5Bsize%5D=11");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().path("source").path("parameter").asText()).isEqualTo("page[size]");
    }

    @Test
    void getOneListAndProfileCount() {
        String id = klaviyo.createList("Nosto Customers");
        String profileId = klaviyo.upsert(Klaviyo.uniqueEmail("count"), java.util.Map.of());
        klaviyo.post("/api/lists/" + id + "/relationships/profiles", Klaviyo.idsBody(List.of(profileId)));

        Klaviyo.Response r = klaviyo.get("/api/lists/" + id + "?additional-fields%5Blist%5D=profile_count");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("data").path("attributes").path("profile_count").asInt()).isEqualTo(1);
    }

    @Test
    void unknownListIs404NotFound() {
        Klaviyo.Response r = klaviyo.get("/api/lists/XXXXXX");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error().path("code").asText()).isEqualTo("not_found");
    }

    @Test
    void deleteListRemovesIt() {
        String id = klaviyo.createList("Doomed");

        Klaviyo.Response r = klaviyo.delete("/api/lists/" + id, null);

        assertThat(r.status()).isEqualTo(204);
        assertThat(klaviyo.get("/api/lists/" + id).status()).isEqualTo(404);
        assertThat(account.lists()).isEmpty();
    }

    @Test
    void listDeletedInTheUiDisappearsFromTheApi() {
        String id = klaviyo.createList("Nosto Customers");

        account.deleteList(id);

        assertThat(klaviyo.get("/api/lists?filter=" + Klaviyo.q("equals(name,\"Nosto Customers\")")).body().path("data")).isEmpty();
    }
}
