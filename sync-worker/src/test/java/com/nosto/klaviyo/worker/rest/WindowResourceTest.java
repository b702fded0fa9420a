package com.nosto.klaviyo.worker.rest;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.deleted;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static com.nosto.klaviyo.worker.support.Changes.moved;
import static com.nosto.klaviyo.worker.support.Changes.removed;
import static com.nosto.klaviyo.worker.support.Changes.resync;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.testsupport.Tokens;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** GET windows, its preview and POST flush: authenticated, account-scoped, flush for the sre role only (G12). */
@QuarkusTest
class WindowResourceTest {

    private static void awaitContacts(String account, long n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == n);
    }

    @Test
    void statusShowsPendingCountsAndNextReleaseByKind() {
        String account = Kafka.unique("status");
        Kafka.produce(added(account, "a@example.com", 1, "VIP"), added(account, "b@example.com", 1, "VIP"),
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
        String account = Kafka.unique("flush");
        Kafka.produce(added(account, "a@example.com", 1, "VIP"), added(account, "b@example.com", 1, "VIP"));
        awaitContacts(account, 2);

        given().auth().oauth2(Tokens.sre())
                .when().post("/api/accounts/{a}/windows/flush", account)
                .then().statusCode(202).contentType("application/json");

        var batches = await().atMost(Duration.ofSeconds(60)).until(() -> Kafka.batchesFor(account),
                b -> b.stream().mapToInt(x -> x.contacts().size()).sum() == 2);
        assertThat(batches.stream().flatMap(b -> b.contacts().stream()).map(ContactState::email))
                .containsExactlyInAnyOrder("a@example.com", "b@example.com");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(Tokens.sre())
                .when().get("/api/accounts/{a}/windows", account)
                .then().statusCode(200)
                .body("regular.pendingContacts", org.hamcrest.Matchers.is(0))
                .body("unpublishedBatches", org.hamcrest.Matchers.is(0))
                .body("firstEnable.nextReleaseAt", org.hamcrest.Matchers.nullValue()));
        // Nothing waits, yet the next regular release is always shown: the next end on the account's 12-hour grid.
        Instant next = Instant.parse(given().auth().oauth2(Tokens.forAccounts(account))
                .when().get("/api/accounts/{a}/windows", account).then().statusCode(200)
                .extract().jsonPath().getString("regular.nextReleaseAt"));
        assertThat(next).isAfter(TestClock.INSTANCE.instant()).isBeforeOrEqualTo(TestClock.INSTANCE.instant().plus(Duration.ofHours(12)));
    }

    @Test
    void aMerchantsSyncNowReleasesAndIsLimitedPerAccount() {
        String account = Kafka.unique("syncnow");
        Kafka.produce(added(account, "a@example.com", 1, "VIP"));
        awaitContacts(account, 1);
        String merchant = Tokens.forAccounts(account);

        given().auth().oauth2(merchant).when().post("/api/accounts/{a}/windows/sync-now", account)
                .then().statusCode(202).contentType("application/json");
        await().atMost(Duration.ofSeconds(60)).until(() -> Kafka.batchesFor(account),
                b -> b.stream().anyMatch(x -> x.contacts().stream().anyMatch(c -> c.email().equals("a@example.com"))));

        // 4 an hour (rate-limit.sync-now): three more pass, the fifth is refused with Retry-After and a problem body.
        for (int i = 0; i < 3; i++) {
            given().auth().oauth2(merchant).when().post("/api/accounts/{a}/windows/sync-now", account).then().statusCode(202);
        }
        given().auth().oauth2(merchant).when().post("/api/accounts/{a}/windows/sync-now", account)
                .then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
        given().auth().oauth2(Tokens.forAccounts("someone-else")).when().post("/api/accounts/{a}/windows/sync-now", account)
                .then().statusCode(403);
    }

    @Test
    void thePreviewShowsWhatTheNextWindowsReleaseByChangeKindAndTheReleaseAgrees() {
        String account = Kafka.unique("preview");
        Kafka.produce(added(account, "a@example.com", 1, "VIP"), added(account, "b@example.com", 1, "VIP"),
                added(account, "c@example.com", 1, "VIP"), added(account, "d@example.com", 1, "VIP"));
        awaitContacts(account, 4);
        given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/windows/flush", account).then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.pending(account) == 0 && Db.unpublished(account) == 0);
        Set<String> released = Kafka.batchesFor(account).stream().map(SyncBatch::windowId).collect(Collectors.toSet());
        // The second flush below ends a window of its own (window ids carry the end).
        TestClock.INSTANCE.advance(Duration.ofMinutes(1));

        Kafka.produce(added(account, "e@example.com", 1, "VIP"), moved(account, "a@example.com", 2, List.of("VIP"), "Gold"),
                removed(account, "b@example.com", 2, "VIP"), deleted(account, "c@example.com", 2, "VIP"),
                resync(account, "d@example.com", 2, "VIP"), firstEnableAdded(account, "f@example.com", 1, "Whole Bean"));
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.pending(account) == 6);

        JsonPath preview = given().auth().oauth2(Tokens.forAccounts(account))
                .when().get("/api/accounts/{a}/windows/next", account)
                .then().statusCode(200).contentType("application/json")
                .extract().jsonPath();

        assertThat(preview.getString("accountId")).isEqualTo(account);
        assertThat(preview.getLong("regular.contacts")).isEqualTo(5);
        assertThat(preview.getLong("regular.restated")).isEqualTo(1);
        assertThat(preview.getLong("regular.added.count")).isEqualTo(2);
        assertThat(preview.getList("regular.added.sample", String.class)).containsExactly("d@example.com", "e@example.com");
        assertThat(preview.getList("regular.moved.sample", String.class)).containsExactly("a@example.com");
        assertThat(preview.getList("regular.removed.sample", String.class)).containsExactly("b@example.com");
        assertThat(preview.getList("regular.deleted.sample", String.class)).containsExactly("c@example.com");
        assertThat(preview.getLong("firstEnable.contacts")).isEqualTo(1);
        assertThat(preview.getList("firstEnable.added.sample", String.class)).containsExactly("f@example.com");
        assertThat(preview.getLong("firstEnable.moved.count")).isZero();
        assertThat(Instant.parse(preview.getString("firstEnable.dueAt"))).isBefore(Instant.parse(preview.getString("regular.dueAt")));
        assertThat(Db.pending(account)).as("a preview writes nothing").isEqualTo(6);

        // The flushed regular window releases all six: each with the change the preview named.
        given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/windows/flush", account).then().statusCode(202);
        List<ContactState> next = await().atMost(Duration.ofSeconds(60)).until(() -> Kafka.batchesFor(account).stream()
                .filter(b -> !released.contains(b.windowId())).flatMap(b -> b.contacts().stream()).toList(), c -> c.size() >= 6);
        Map<ChangeType, List<String>> byChange = next.stream().collect(Collectors.groupingBy(ContactState::change,
                Collectors.mapping(ContactState::email, Collectors.toList())));
        assertThat(byChange).containsOnlyKeys(ChangeType.ADDED, ChangeType.MOVED, ChangeType.REMOVED, ChangeType.DELETED);
        assertThat(byChange.get(ChangeType.ADDED)).containsExactlyInAnyOrder("d@example.com", "e@example.com", "f@example.com");
        assertThat(byChange.get(ChangeType.MOVED)).containsExactly("a@example.com");
        assertThat(byChange.get(ChangeType.REMOVED)).containsExactly("b@example.com");
        assertThat(byChange.get(ChangeType.DELETED)).containsExactly("c@example.com");
        assertThat(next).filteredOn(ContactState::restate).extracting(ContactState::email).containsExactly("d@example.com");
    }

    @Test
    void anotherAccountsPreviewIs403() {
        given().auth().oauth2(Tokens.forAccounts("acme"))
                .when().get("/api/accounts/globex/windows/next")
                .then().statusCode(403).contentType("application/problem+json");
        given().when().get("/api/accounts/acme/windows/next").then().statusCode(401);
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
        given().when().post("/api/accounts/acme/windows/sync-now").then().statusCode(401);
    }

    @Test
    void anotherAccountsWindowsAre403WithProblem() {
        given().auth().oauth2(Tokens.forAccounts("acme"))
                .when().get("/api/accounts/globex/windows")
                .then().statusCode(403).contentType("application/problem+json");
    }
}
