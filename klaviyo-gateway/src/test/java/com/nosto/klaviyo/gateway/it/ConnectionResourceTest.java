package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.testsupport.PostgresTestResource;
import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ConnectionResourceTest extends GatewayTestBase {

    @Test
    void connectingCreatesTheListOnceAndShowsOnlyTheKeysLastFourCharacters() {
        String listId = connect();

        assertThat(klaviyo().lists()).singleElement().satisfies(l -> {
            assertThat(l.id()).isEqualTo(listId);
            assertThat(l.name()).isEqualTo("Nosto Customers");
        });
        String body = given().auth().oauth2(token()).when().get("/api/accounts/{a}/klaviyo", accountId)
                .then().statusCode(200).contentType(ContentType.JSON).extract().asString();
        JsonPath json = JsonPath.from(body);
        assertThat(json.getString("status")).isEqualTo("CONNECTED");
        assertThat(json.getString("listName")).isEqualTo("Nosto Customers");
        assertThat(json.getString("keyLast4")).isEqualTo(apiKey.substring(apiKey.length() - 4));
        assertThat(body).doesNotContain(apiKey.substring(0, apiKey.length() - 4));
    }

    @Test
    void reconnectingFindsTheExistingListByNameInsteadOfCreatingASecond() {
        String first = connect();
        String second = connect();

        assertThat(second).isEqualTo(first);
        assertThat(klaviyo().lists()).hasSize(1);
        assertThat(emulator().calls().forKey(apiKey).stream().filter(c -> "create_list".equals(c.operationId()))).hasSize(1);
    }

    @Test
    void twoConcurrentConnectsNeverCreateTwoLists() {
        klaviyo();
        // Slow list lookups: both connects would look before either creates (issue 21 point 7).
        emulator().faults().latency("get_lists", Duration.ofMillis(300));
        Runnable put = () -> given().auth().oauth2(token()).contentType(ContentType.JSON).body(Map.of("privateApiKey", apiKey))
                .when().put("/api/accounts/{a}/klaviyo", accountId).then().statusCode(200);

        CompletableFuture.allOf(CompletableFuture.runAsync(put), CompletableFuture.runAsync(put)).join();

        assertThat(klaviyo().lists()).hasSize(1);
        assertThat(emulator().calls().forKey(apiKey).stream().filter(c -> "create_list".equals(c.operationId()))).hasSize(1);
        assertThat(connection().getString("listId")).isEqualTo(klaviyo().lists().get(0).id());
    }

    @Test
    void aListTheMerchantAlreadyHasIsAdopted() {
        String existing = klaviyo().seedList("Nosto Customers").id();

        assertThat(connect()).isEqualTo(existing);
        assertThat(klaviyo().lists()).hasSize(1);
    }

    @Test
    void aKeyKlaviyoRejectsGets422AndNothingIsStored() {
        String unknownKey = "pk_unknown_" + accountId;
        given().auth().oauth2(token()).contentType(ContentType.JSON).body(Map.of("privateApiKey", unknownKey))
                .when().put("/api/accounts/{a}/klaviyo", accountId)
                .then().statusCode(422).contentType("application/problem+json")
                .body("title", org.hamcrest.Matchers.equalTo("Klaviyo key rejected"))
                .body("detail", org.hamcrest.Matchers.containsString("HTTP 401"));

        assertThat(connection().getString("status")).isEqualTo("NOT_CONNECTED");
    }

    @Test
    void aMissingKeyIs400() {
        given().auth().oauth2(token()).contentType(ContentType.JSON).body(Map.of())
                .when().put("/api/accounts/{a}/klaviyo", accountId)
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void aMalformedKeyIs400AndIsNotEchoed() {
        String body = given().auth().oauth2(token()).contentType(ContentType.JSON)
                .body(Map.of("privateApiKey", "pk_with\nnewline_secret"))
                .when().put("/api/accounts/{a}/klaviyo", accountId)
                .then().statusCode(400).contentType("application/problem+json").extract().asString();
        assertThat(body).doesNotContain("newline_secret");
    }

    @Test
    void theKeyIsStoredEncryptedWithItsKeyId() throws Exception {
        connect();

        try (Connection c = DriverManager.getConnection(PostgresTestResource.jdbcUrl(), PostgresTestResource.server().user(),
                PostgresTestResource.server().password());
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT key_id, encrypted_key FROM klaviyo_gateway.klaviyo_connection WHERE account_id = '" + accountId + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("key_id")).isEqualTo("test-1");
            assertThat(new String(rs.getBytes("encrypted_key"), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(apiKey);
        }
    }

    @Test
    void disconnectingForgetsTheKey() {
        connect();

        given().auth().oauth2(token()).when().delete("/api/accounts/{a}/klaviyo", accountId).then().statusCode(204);

        assertThat(connection().getString("status")).isEqualTo("NOT_CONNECTED");
        assertThat(connection().getString("keyLast4")).isNull();
    }

    private void connectWith(String key) {
        given().auth().oauth2(token()).contentType(ContentType.JSON).body(Map.of("privateApiKey", key))
                .when().put("/api/accounts/{a}/klaviyo", accountId).then().statusCode(200);
    }

    private java.util.List<String> ledger() {
        return query("SELECT email || ':' || coalesce(profile_id, '') FROM klaviyo_gateway.contact_ledger WHERE account_id = ?", accountId);
    }

    private java.util.List<String> accountChangedNotices() {
        return syncRuns().getList("findAll { it.windowKind == 'KLAVIYO_ACCOUNT_CHANGED' }.errors.flatten().detail", String.class);
    }

    @Test
    void reconnectingWithAKeyOfAnotherKlaviyoAccountClearsTheLedgerAndTheContactsReachTheNewAccount() {
        connect();
        String first = klaviyo().accountId();
        assertThat(connection().getString("klaviyoAccountId")).isEqualTo(first);
        publishWindow("w1", java.util.List.of(added(email("a"), 1, "VIP"), added(email("b"), 1, "VIP")));
        awaitWindows(1);
        assertThat(ledger()).hasSize(2);
        String otherKey = "pk_other_" + java.util.UUID.randomUUID().toString().replace("-", "");
        var other = emulator().account(otherKey);

        connectWith(otherKey);

        assertThat(connection().getString("klaviyoAccountId")).isEqualTo(other.accountId()).isNotEqualTo(first);
        assertThat(ledger()).as("no version or profile id of the first Klaviyo account is kept").isEmpty();
        assertThat(accountChangedNotices()).singleElement().satisfies(d -> assertThat(d).contains(other.accountId(), first, "2 contact",
                "resync"));
        // The same states again (an operator's resync restates them): applied to the new account, not skipped as stale.
        publishWindow("w2", java.util.List.of(added(email("a"), 1, "VIP"), added(email("b"), 1, "VIP")));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                other.listMemberEmails(connection().getString("listId"))).containsExactlyInAnyOrder(email("a"), email("b")));
    }

    @Test
    void reconnectingWithAnotherKeyOfTheSameKlaviyoAccountKeepsTheLedger() {
        connect();
        publishWindow("w1", java.util.List.of(added(email("a"), 1, "VIP")));
        awaitWindows(1);
        String secondKey = "pk_second_" + java.util.UUID.randomUUID().toString().replace("-", "");
        emulator().addKey(apiKey, secondKey);

        connectWith(secondKey);

        assertThat(ledger()).hasSize(1);
        assertThat(accountChangedNotices()).isEmpty();
        assertThat(connection().getString("klaviyoAccountId")).isEqualTo(klaviyo().accountId());
    }

    @Test
    void aKeyOfAnotherKlaviyoAccountAfterADisconnectStillClearsTheLedger() {
        connect();
        publishWindow("w1", java.util.List.of(added(email("a"), 1, "VIP")));
        awaitWindows(1);
        given().auth().oauth2(token()).when().delete("/api/accounts/{a}/klaviyo", accountId).then().statusCode(204);
        String otherKey = "pk_other_" + java.util.UUID.randomUUID().toString().replace("-", "");
        emulator().account(otherKey);

        connectWith(otherKey);

        assertThat(ledger()).isEmpty();
        assertThat(accountChangedNotices()).hasSize(1);
    }

    @Test
    void anotherAccountsTokenIsForbidden() {
        given().auth().oauth2(Tokens.forAccounts("someone-else")).when().get("/api/accounts/{a}/klaviyo", accountId)
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void withoutATokenIs401() {
        given().when().get("/api/accounts/{a}/sync-runs", accountId).then().statusCode(401);
    }
}
