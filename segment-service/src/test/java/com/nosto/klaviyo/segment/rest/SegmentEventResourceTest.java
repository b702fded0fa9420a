package com.nosto.klaviyo.segment.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The REST ingest: valid items are applied even when others are refused; refusals are listed by index. */
@QuarkusTest
class SegmentEventResourceTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private final Api api = new Api();

    private JsonPath post(String body, int status, String contentType) {
        return given().auth().oauth2(api.token).contentType(ContentType.JSON).body(body)
                .when().post("/api/accounts/{a}/segment-events", api.account)
                .then().statusCode(status).contentType(contentType)
                .extract().jsonPath();
    }

    @Test
    void mixedBatchAppliesValidItemsAndListsRejectedOnesByIndex() {
        api.syncedSegment("vip", "VIP");
        String body = "[" + String.join(",",
                "{\"email\":\"ok@example.com\",\"segments\":[\"vip\"],\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "{\"email\":\"not-an-email\",\"segments\":[],\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "{\"email\":\"x@example.com\",\"segments\":\"vip\",\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "{\"accountId\":\"someone-else\",\"email\":\"y@example.com\",\"deleted\":true,\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "42") + "]";

        JsonPath result = post(body, 202, "application/json");

        assertThat(result.getInt("accepted")).isEqualTo(1);
        assertThat(result.getInt("rejected")).isEqualTo(4);
        List<Map<String, Object>> errors = result.getList("errors");
        assertThat(errors).extracting(e -> e.get("index")).containsExactly(1, 2, 3, 4);
        assertThat(errors).extracting(e -> e.get("pointer")).containsExactly("/1/email", "/2/segments", "/3/accountId", "/4");
        assertThat(errors).allSatisfy(e -> assertThat((String) e.get("reason")).isNotBlank());
        List<MembershipChange> changes = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forContact(api.account, "ok@example.com"), l -> !l.isEmpty());
        assertThat(changes.get(0).type()).isEqualTo(ChangeType.ADDED);
    }

    @Test
    void allInvalidIs400ProblemWithEveryItem() {
        JsonPath problem = post("[{\"email\":\"a@example.com\"},{\"email\":\"b@example.com\",\"segments\":[]}]", 400,
                "application/problem+json");
        assertThat(problem.getInt("status")).isEqualTo(400);
        assertThat(problem.getList("errors.index")).containsExactly(0, 1);
        assertThat(problem.getList("errors.pointer")).containsExactly("/0/observedAt", "/1/observedAt");
    }

    @Test
    void malformedJsonIs400Problem() {
        JsonPath problem = post("[{\"email\": ", 400, "application/problem+json");
        assertThat(problem.getString("detail")).containsIgnoringCase("json");
    }

    @Test
    void aBodyThatIsNotAnArrayIs400Problem() {
        JsonPath problem = post("{\"email\":\"a@example.com\"}", 400, "application/problem+json");
        assertThat(problem.getString("detail")).contains("array");
    }

    @Test
    void moreThanTheDocumentedMaximumIsRefusedWhole() {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            events.add(api.fullSet("bulk" + i + "@example.com", T0));
        }
        given().auth().oauth2(api.token).contentType(ContentType.JSON).body(events)
                .when().post("/api/accounts/{a}/segment-events", api.account)
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void staleItemsAreAcceptedAndCounted() {
        api.post(api.fullSet("s@example.com", T0.plusSeconds(10)));
        JsonPath result = given().auth().oauth2(api.token).contentType(ContentType.JSON)
                .body(List.of(api.fullSet("s@example.com", T0)))
                .when().post("/api/accounts/{a}/segment-events", api.account)
                .then().statusCode(202).contentType(ContentType.JSON).extract().jsonPath();
        assertThat(result.getInt("accepted")).isEqualTo(1);
        assertThat(result.getInt("stale")).isEqualTo(1);
    }
}
