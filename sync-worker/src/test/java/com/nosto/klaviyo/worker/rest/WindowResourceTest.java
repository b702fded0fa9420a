package com.nosto.klaviyo.worker.rest;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.testsupport.Tokens;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.KafkaIO;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** GET windows and POST flush: authenticated, account-scoped, flush for the sre role only (G12). */
@QuarkusTest
class WindowResourceTest {

    private static void awaitContacts(String account, long n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == n);
    }

    @Test
    void statusShowsPendingCountsAndNextReleaseByKind() {
        String account = KafkaIO.unique("status");
        KafkaIO.produce(added(account, "a@example.com", 1, "VIP"), added(account, "b@example.com", 1, "VIP"),
                firstEnableAdded(account, "c@example.com", 1, "Whole Bean"));
        awaitContacts(account, 3);

        JsonPath body = given().auth().oauth2(Tokens.forAccounts(account))
                .when().get("/api/accounts/{a}/windows", account)
                .then().statusCode(200).contentType("application/json")
                .extract().jsonPath();

        assertThat(body.getString("accountId")).isEqualTo(account);
        assertThat(body.getString("regular.length")).isEqualTo("PT12H");
        assertThat(body.getString("firstEnable.length")).isEqualTo("PT1H");
        assertThat(body.getLong("regular.pendingContacts")).isEqualTo(2);
        assertThat(body.getLong("firstEnable.pendingContacts")).isEqualTo(1);
        assertThat(body.getLong("unpublishedBatches")).isZero();
        Instant regularAt = Instant.parse(body.getString("regular.nextReleaseAt"));
        Instant firstEnableAt = Instant.parse(body.getString("firstEnable.nextReleaseAt"));
        assertThat(firstEnableAt).isBefore(regularAt);
        assertThat(Duration.between(firstEnableAt, regularAt)).isGreaterThan(Duration.ofHours(10));
    }

    @Test
    void sreFlushReleasesNow() {
        String account = KafkaIO.unique("flush");
        KafkaIO.produce(added(account, "a@example.com", 1, "VIP"), added(account, "b@example.com", 1, "VIP"));
        awaitContacts(account, 2);

        given().auth().oauth2(Tokens.sre())
                .when().post("/api/accounts/{a}/windows/flush", account)
                .then().statusCode(202).contentType("application/json");

        var batches = await().atMost(Duration.ofSeconds(60)).until(() -> KafkaIO.batchesFor(account),
                b -> b.stream().mapToInt(x -> x.contacts().size()).sum() == 2);
        assertThat(batches.stream().flatMap(b -> b.contacts().stream()).map(ContactState::email))
                .containsExactlyInAnyOrder("a@example.com", "b@example.com");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(Tokens.sre())
                .when().get("/api/accounts/{a}/windows", account)
                .then().statusCode(200)
                .body("regular.pendingContacts", org.hamcrest.Matchers.is(0))
                .body("unpublishedBatches", org.hamcrest.Matchers.is(0))
                .body("regular.nextReleaseAt", org.hamcrest.Matchers.nullValue()));
    }

    @Test
    void flushByAMerchantIs403() {
        given().auth().oauth2(Tokens.forAccounts("acme"))
                .when().post("/api/accounts/acme/windows/flush")
                .then().statusCode(403);
    }

    @Test
    void noTokenIs401() {
        given().when().get("/api/accounts/acme/windows").then().statusCode(401);
        given().when().post("/api/accounts/acme/windows/flush").then().statusCode(401);
    }

    @Test
    void anotherAccountsWindowsAre403WithProblem() {
        given().auth().oauth2(Tokens.forAccounts("acme"))
                .when().get("/api/accounts/globex/windows")
                .then().statusCode(403).contentType("application/problem+json");
    }
}
