package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An operator's "where is this contact?": the gateway's last applied version, Klaviyo profile id and last sync run. */
@QuarkusTest
class ContactStateResourceTest extends GatewayTestBase {

    private JsonPath state(String email) {
        return given().auth().oauth2(Tokens.sre()).contentType(ContentType.JSON).body(Map.of("email", email))
                .when().post("/api/accounts/{a}/contacts/state", accountId)
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    @Test
    void anAppliedContactShowsItsVersionProfileIdAndTheSyncRunThatTouchedIt() {
        connect();
        publishWindow("w1", List.of(added(email("jane"), 4, "VIP")));
        awaitWindows(1);

        JsonPath s = state(email("Jane").toUpperCase());

        assertThat(s.getString("contact")).startsWith("email:").doesNotContain("jane");
        assertThat(s.getBoolean("klaviyoGateway.known")).isTrue();
        assertThat(s.getLong("klaviyoGateway.appliedVersion")).isEqualTo(4);
        assertThat(s.getBoolean("klaviyoGateway.inList")).isTrue();
        assertThat(s.getString("klaviyoGateway.profileId")).isEqualTo(klaviyo().profileByEmail(email("jane")).orElseThrow().id());
        assertThat(s.getString("klaviyoGateway.lastRun.windowId")).isEqualTo("w1");
        assertThat(s.getString("klaviyoGateway.klaviyoAccountId")).isEqualTo(klaviyo().accountId());
    }

    @Test
    void anUnknownContactIsNotKnownAndOnlyOperatorsMayAsk() {
        assertThat(state("nobody@example.com").getBoolean("klaviyoGateway.known")).isFalse();

        given().auth().oauth2(token()).contentType(ContentType.JSON).body(Map.of("email", "a@example.com"))
                .when().post("/api/accounts/{a}/contacts/state", accountId).then().statusCode(403);
        given().auth().oauth2(Tokens.sre()).contentType(ContentType.JSON).body(Map.of())
                .when().post("/api/accounts/{a}/contacts/state", accountId)
                .then().statusCode(400).contentType("application/problem+json");
    }
}
