package com.nosto.klaviyo.segment.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An operator's "where is this contact?": segment-service's memberships and version of one contact. */
@QuarkusTest
class ContactStateResourceTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    private final Api api = new Api();

    private JsonPath state(String email) {
        return given().auth().oauth2(Tokens.sre()).contentType(ContentType.JSON).body(Map.of("email", email))
                .when().post("/api/accounts/{a}/contacts/state", api.account)
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    @Test
    void showsTheMembershipsTheVersionAndWhatWasSyncedWithoutEchoingTheEmail() {
        api.syncedSegment("vip", "VIP");
        api.post(api.fullSet("jane@example.com", T0, "vip", "undefined-one"));

        JsonPath s = await().atMost(Duration.ofSeconds(30)).until(() -> state(" Jane@Example.com "),
                j -> j.getBoolean("segmentService.known") && j.getLong("segmentService.version") > 0);

        assertThat(s.getString("contact")).startsWith("email:").doesNotContain("jane");
        assertThat(s.getList("segmentService.memberships.segmentId")).containsExactlyInAnyOrder("vip", "undefined-one");
        assertThat(s.getBoolean("segmentService.memberships.find { it.segmentId == 'vip' }.syncEnabled")).isTrue();
        assertThat(s.getString("segmentService.memberships.find { it.segmentId == 'vip' }.name")).isEqualTo("VIP");
        assertThat(s.getBoolean("segmentService.memberships.find { it.segmentId == 'undefined-one' }.syncEnabled")).isFalse();
        assertThat(s.getString("segmentService.memberships.find { it.segmentId == 'undefined-one' }.name")).isNull();
        assertThat(s.getString("segmentService.observedAt")).isEqualTo(T0.toString());
        assertThat(s.getString("segmentService.syncedView")).contains("VIP");
    }

    @Test
    void aDeletedContactShowsItsTombstoneAndAnUnknownOneNothing() {
        api.post(api.fullSet("gone@example.com", T0, "vip"));
        api.post(api.deletion("gone@example.com", T0.plusSeconds(5)));

        JsonPath gone = await().atMost(Duration.ofSeconds(30)).until(() -> state("gone@example.com"),
                j -> j.getString("segmentService.deletedAt") != null);
        assertThat(gone.getBoolean("segmentService.known")).isFalse();
        assertThat(gone.getString("segmentService.deletedAt")).isEqualTo(T0.plusSeconds(5).toString());

        JsonPath unknown = state("nobody@example.com");
        assertThat(unknown.getBoolean("segmentService.known")).isFalse();
        assertThat(unknown.getString("segmentService.deletedAt")).isNull();
    }

    @Test
    void isForOperatorsOnlyAndNeedsAnEmail() {
        given().auth().oauth2(api.token).contentType(ContentType.JSON).body(Map.of("email", "a@example.com"))
                .when().post("/api/accounts/{a}/contacts/state", api.account).then().statusCode(403);
        given().auth().oauth2(Tokens.sre()).contentType(ContentType.JSON).body(Map.of())
                .when().post("/api/accounts/{a}/contacts/state", api.account)
                .then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(Tokens.sre()).contentType(ContentType.JSON).body(Map.of("email", "not-an-email"))
                .when().post("/api/accounts/{a}/contacts/state", api.account)
                .then().statusCode(400).contentType("application/problem+json");
    }
}
