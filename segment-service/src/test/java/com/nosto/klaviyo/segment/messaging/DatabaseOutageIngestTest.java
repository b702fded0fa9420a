package com.nosto.klaviyo.segment.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.Kafka;
import com.nosto.klaviyo.segment.support.ProxiedDatabase;
import com.nosto.klaviyo.testsupport.ProxiedPostgresTestResource;
import com.nosto.klaviyo.testsupport.TcpProxy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL unreachable while segment events are consumed (issue 18 point 1), for longer than any retry of a single
 * attempt: the consumer holds the poll and waits, readiness is DOWN and names the channel, nothing is dead-lettered;
 * once the database is back every event is applied and readiness is UP again.
 */
@QuarkusTest
@TestProfile(ProxiedDatabase.class)
class DatabaseOutageIngestTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final int EVENTS = 40;

    private final Api api = new Api();

    /** Readiness is served on the management interface (its own port). */
    @TestHTTPResource(value = "/health/ready", management = true)
    URL readiness;
    private final TcpProxy database = ProxiedPostgresTestResource.proxy();

    @AfterEach
    void restoreDatabase() {
        database.restore();
    }

    @Test
    void aDatabaseOutageHoldsTheConsumerAndDeadLettersNothing() {
        api.syncedSegment("vip", "VIP");
        database.cut();
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            String email = "outage" + i + "@example.com";
            records.add(new ProducerRecord<>(Topics.SEGMENT_EVENTS, api.account + "|" + email, "{\"accountId\":\"" + api.account
                    + "\",\"email\":\"" + email + "\",\"segments\":[\"vip\"],\"observedAt\":\"" + T0 + "\"}"));
        }
        Kafka.send(records);

        // The outage lasts well beyond one attempt's retries: nothing is dead-lettered meanwhile.
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Kafka.keyedWith(Topics.SEGMENT_EVENTS_DLQ, api.account + "|")).as("dead letters").isEmpty());
        JsonPath ready = readiness(503);
        assertThat(ready.getString("status")).isEqualTo("DOWN");
        assertThat(ready.getString("checks.find { it.name == 'outages' }.data.'segment-events-in'"))
                .as("the held channel named by readiness").isNotNull();
        database.restore();

        List<MembershipChange> changes = await("every event applied").atMost(Duration.ofSeconds(90))
                .until(() -> Changes.forAccount(api.account), l -> l.size() >= EVENTS);
        assertThat(changes).hasSize(EVENTS).allSatisfy(c -> assertThat(c.type()).isEqualTo(ChangeType.ADDED));
        assertThat(changes).extracting(MembershipChange::email).doesNotHaveDuplicates();
        await("readiness UP").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(readiness(200).getString("status")).isEqualTo("UP"));
        assertThat(Kafka.keyedWith(Topics.SEGMENT_EVENTS_DLQ, api.account + "|")).as("dead letters").isEmpty();
    }

    private JsonPath readiness(int status) {
        return given().when().get(readiness).then().statusCode(status).extract().jsonPath();
    }
}
