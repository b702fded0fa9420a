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

/**
 * The REST ingest: valid items are applied even when others are refused; any answer listing refusals is a
 * problem+json (422 when some were accepted, 400 when none), every refused item by index with its reason.
 */
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
    void mixedBatchAppliesValidItemsAndAnswers422ProblemListingRejectedOnesByIndex() {
        api.syncedSegment("vip", "VIP");
        String body = "[" + String.join(",",
                "{\"email\":\"ok@example.com\",\"segments\":[\"vip\"],\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "{\"email\":\"not-an-email\",\"segments\":[],\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "{\"email\":\"x@example.com\",\"segments\":\"vip\",\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "{\"accountId\":\"someone-else\",\"email\":\"y@example.com\",\"deleted\":true,\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "42") + "]";

        JsonPath problem = post(body, 422, "application/problem+json");

        // RFC 9457 members, then the extensions: the valid item was accepted, the others are listed by index.
        assertThat(problem.getString("type")).isEqualTo(SegmentEventResource.REJECTED_TYPE);
        assertThat(problem.getString("title")).isEqualTo("Some segment events were rejected");
        assertThat(problem.getInt("status")).isEqualTo(422);
        assertThat(problem.getString("detail")).contains("4 of 5").contains("1 accepted");
        assertThat(problem.getInt("accepted")).isEqualTo(1);
        assertThat(problem.getInt("rejected")).isEqualTo(4);
        List<Map<String, Object>> errors = problem.getList("errors");
        assertThat(errors).extracting(e -> e.get("index")).containsExactly(1, 2, 3, 4);
        assertThat(errors).extracting(e -> e.get("field")).containsExactly("email", "segments", "accountId", null);
        assertThat(errors).extracting(e -> e.get("pointer")).containsExactly("/1/email", "/2/segments", "/3/accountId", "/4");
        assertThat(errors).allSatisfy(e -> assertThat((String) e.get("reason")).isNotBlank());
        List<MembershipChange> changes = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forContact(api.account, "ok@example.com"), l -> !l.isEmpty());
        assertThat(changes.get(0).type()).isEqualTo(ChangeType.ADDED);
        // Nothing of the refused items was applied: their contacts got no change.
        assertThat(Changes.forContact(api.account, "x@example.com")).isEmpty();
    }

    @Test
    void resendingAPartlyRejectedBatchEmitsNothingTwice() {
        api.syncedSegment("vip", "VIP");
        String body = "[" + String.join(",",
                "{\"email\":\"again@example.com\",\"segments\":[\"vip\"],\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "{\"email\":\"again@example.com\",\"segments\":[],\"observedAt\":\"later\"}") + "]";
        post(body, 422, "application/problem+json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forContact(api.account, "again@example.com").size() == 1);

        // A client that resends the whole batch after a 4xx does no harm: the accepted event is idempotent.
        JsonPath problem = post(body, 422, "application/problem+json");
        assertThat(problem.getInt("accepted")).isEqualTo(1);
        assertThat(problem.getList("errors.pointer")).containsExactly("/1/observedAt");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> Changes.forContact(api.account, "again@example.com").size() == 1);
    }

    @Test
    void allInvalidIs400ProblemWithEveryItemAndNothingAccepted() {
        JsonPath problem = post("[{\"email\":\"a@example.com\"},{\"email\":\"b@example.com\",\"segments\":[]}]", 400,
                "application/problem+json");
        assertThat(problem.getString("type")).isEqualTo(SegmentEventResource.REJECTED_TYPE);
        assertThat(problem.getInt("status")).isEqualTo(400);
        assertThat(problem.getInt("accepted")).isZero();
        assertThat(problem.getInt("rejected")).isEqualTo(2);
        assertThat(problem.getList("errors.index")).containsExactly(0, 1);
        assertThat(problem.getList("errors.field")).containsExactly("observedAt", "observedAt");
        assertThat(problem.getList("errors.pointer")).containsExactly("/0/observedAt", "/1/observedAt");
    }

    @Test
    void allValidIs202WithoutErrors() {
        JsonPath result = given().auth().oauth2(api.token).contentType(ContentType.JSON)
                .body(List.of(api.fullSet("v1@example.com", T0), api.fullSet("v2@example.com", T0)))
                .when().post("/api/accounts/{a}/segment-events", api.account)
                .then().statusCode(202).contentType(ContentType.JSON).extract().jsonPath();
        assertThat(result.getInt("accepted")).isEqualTo(2);
        assertThat(result.getInt("rejected")).isZero();
        assertThat(result.getList("errors")).isEmpty();
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
