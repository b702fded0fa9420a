package com.nosto.klaviyo.worker.rest;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.testsupport.Tokens;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An operator's "where is this contact?": sync-worker's pending change and next release of one contact. */
@QuarkusTest
class ContactStateResourceTest {

    private static JsonPath state(String account, String email) {
        return given().auth().oauth2(Tokens.sre()).contentType(ContentType.JSON).body(Map.of("email", email))
                .when().post("/api/accounts/{a}/contacts/state", account)
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    @Test
    void aPendingChangeShowsItsDesiredStateAndTheWindowThatReleasesItThenWhatWasReleased() {
        String account = Kafka.unique("where");
        Kafka.produce(added(account, "jane@example.com", 3, "VIP"));
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 1);

        JsonPath s = state(account, "JANE@example.com");
        JsonPath windows = given().auth().oauth2(Tokens.sre()).when().get("/api/accounts/{a}/windows", account)
                .then().statusCode(200).extract().jsonPath();

        assertThat(s.getString("contact")).startsWith("email:").doesNotContain("jane");
        assertThat(s.getBoolean("syncWorker.known")).isTrue();
        assertThat(s.getBoolean("syncWorker.pending")).isTrue();
        assertThat(s.getLong("syncWorker.desired.version")).isEqualTo(3);
        assertThat(s.getBoolean("syncWorker.desired.inList")).isTrue();
        assertThat(s.getString("syncWorker.desired.segment")).isNotBlank();
        assertThat(s.getString("syncWorker.released")).isNull();
        assertThat(Instant.parse(s.getString("syncWorker.nextReleaseAt")))
                .isEqualTo(Instant.parse(windows.getString("regular.nextReleaseAt")));

        // Flushed: released, nothing pending, no next release for it; told apart from an unknown contact.
        given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/windows/flush", account).then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> !state(account, "jane@example.com").getBoolean("syncWorker.pending"));
        JsonPath r = state(account, "jane@example.com");
        assertThat(r.getBoolean("syncWorker.known")).isTrue();
        assertThat(r.getLong("syncWorker.released.version")).isEqualTo(3);
        assertThat(r.getBoolean("syncWorker.released.inList")).isTrue();
        assertThat(r.getString("syncWorker.releasedAt")).isNotNull();
        assertThat(r.getString("syncWorker.nextReleaseAt")).isNull();
        assertThat(r.getLong("syncWorker.desired.version")).isEqualTo(3);
    }

    @Test
    void anUnknownContactIsNotKnownAndOnlyOperatorsMayAsk() {
        String account = Kafka.unique("where-none");
        assertThat(state(account, "nobody@example.com").getBoolean("syncWorker.known")).isFalse();

        given().auth().oauth2(Tokens.forAccounts(account)).contentType(ContentType.JSON).body(Map.of("email", "a@example.com"))
                .when().post("/api/accounts/{a}/contacts/state", account).then().statusCode(403);
        given().auth().oauth2(Tokens.sre()).contentType(ContentType.JSON).body(Map.of("email", ""))
                .when().post("/api/accounts/{a}/contacts/state", account)
                .then().statusCode(400).contentType("application/problem+json");
    }
}
