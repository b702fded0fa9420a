package com.nosto.klaviyo.segment.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.ProxiedDatabase;
import com.nosto.klaviyo.testsupport.ProxiedPostgresTestResource;
import com.nosto.klaviyo.testsupport.TcpProxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The REST ingest while PostgreSQL is unreachable (issue 18 point 1): a prompt 503 with {@code Retry-After} and a
 * problem body, so the publisher sends again; sent again once the database is back, the events are applied.
 */
@QuarkusTest
@TestProfile(ProxiedDatabase.class)
class DatabaseOutageRestTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    private final Api api = new Api();
    private final TcpProxy database = ProxiedPostgresTestResource.proxy();

    @AfterEach
    void restore() {
        database.restore();
    }

    @Test
    void postingWhileTheDatabaseIsAwayAnswers503WithRetryAfter() {
        api.syncedSegment("vip", "VIP");
        List<Object> events = List.of(api.fullSet("rest-outage@example.com", T0, "vip"));
        database.cut();

        long start = System.nanoTime();
        Response response = given().auth().oauth2(api.token).contentType(ContentType.JSON).body(events)
                .when().post("/api/accounts/{a}/segment-events", api.account);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.header("Retry-After")).isNotBlank();
        assertThat(response.jsonPath().getInt("status")).isEqualTo(503);
        assertThat(took).as("answered promptly, not after the pool's defaults").isLessThan(Duration.ofSeconds(15));

        database.restore();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(api.token)
                .contentType(ContentType.JSON).body(events)
                .when().post("/api/accounts/{a}/segment-events", api.account).then().statusCode(202));
        assertThat(await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forAccount(api.account), l -> !l.isEmpty()))
                .hasSize(1);
    }
}
