package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An operator's "where is this contact?": the gateway's last applied version, Klaviyo profile id and last sync run; a
 * released change waiting in the inbox (and why); a contact Klaviyo refused, with the run that tried it.
 */
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
    void aReleasedChangeShowsWaitingInTheInboxUntilAppliedAndARefusedContactShowsFailedWithItsRun() {
        emulator().faults().rejectEmail(email("refused"));
        publishWindow("w1", List.of(added(email("jane"), 5, "VIP"), added(email("refused"), 2, "VIP")));

        // Not connected: the window waits in the inbox, and the contact's state says where and why.
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonPath s = state(email("jane"));
            assertThat(s.getBoolean("klaviyoGateway.known")).isFalse();
            assertThat(s.getString("klaviyoGateway.inbox.windowId")).isEqualTo("w1");
            assertThat(s.getString("klaviyoGateway.inbox.windowKind")).isEqualTo("REGULAR");
            assertThat(s.getLong("klaviyoGateway.inbox.version")).isEqualTo(5);
            assertThat(s.getBoolean("klaviyoGateway.inbox.inList")).isTrue();
            assertThat(s.getString("klaviyoGateway.inbox.receivedAt")).isNotNull();
            assertThat(s.getString("klaviyoGateway.inbox.waitingReason")).startsWith("NOT_CONNECTED");
        });
        assertThat(state("nobody@example.com").getString("klaviyoGateway.inbox")).as("not in any waiting batch").isNull();

        connect();
        awaitWindows(1);

        JsonPath applied = state(email("jane"));
        assertThat(applied.getBoolean("klaviyoGateway.known")).isTrue();
        assertThat(applied.getLong("klaviyoGateway.appliedVersion")).isEqualTo(5);
        assertThat(applied.getString("klaviyoGateway.lastRun.windowId")).isEqualTo("w1");
        assertThat(applied.getString("klaviyoGateway.inbox")).as("applied: no longer in the inbox").isNull();

        JsonPath refused = state(email("refused"));
        assertThat(refused.getBoolean("klaviyoGateway.known")).isFalse();
        assertThat(refused.getString("klaviyoGateway.lastOutcome.outcome")).isEqualTo("FAILED");
        assertThat(refused.getString("klaviyoGateway.lastOutcome.windowId")).isEqualTo("w1");
        assertThat(refused.getString("klaviyoGateway.inbox")).as("a failed row is not retried: not in the inbox").isNull();
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
