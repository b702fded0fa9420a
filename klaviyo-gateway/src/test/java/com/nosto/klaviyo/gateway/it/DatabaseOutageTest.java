package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.ProxiedPostgresTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 point 1 for the gateway: PostgreSQL unreachable (a TCP proxy cut between the gateway and the database, as a
 * failover is for its clients) while windows arrive. The consumer holds its poll and retries it (readiness DOWN), the
 * scheduler's rounds fail and retry; nothing is dead-lettered; once the database is back the window is applied.
 */
@QuarkusTest
@TestProfile(DatabaseOutageTest.Proxied.class)
class DatabaseOutageTest extends GatewayTestBase {

    public static class Proxied implements QuarkusTestProfile {
        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ProxiedKlaviyoEmulatorResource.class, Map.of("bulkJobDelayMs", "50")),
                    new TestResourceEntry(ProxiedPostgresTestResource.class),
                    new TestResourceEntry(KafkaTestResource.class, Map.of("topics", "klaviyo-sync-batches:6,klaviyo-sync-batches-dlq:1")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("nks.outage.max-backoff", "2s");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(90);

    /** Readiness is served on the management interface (its own port). */
    @TestHTTPResource(value = "/health/ready", management = true)
    URL readiness;

    @AfterEach
    void restore() {
        ProxiedPostgresTestResource.proxy().restore();
    }

    @Test
    void aDatabaseOutageHoldsThePollAndNothingIsDeadLettered() {
        connect();
        ProxiedPostgresTestResource.proxy().cut();

        publishWindow("w1", List.of(added(email("a"), 1, "A"), added(email("b"), 1, "A")));

        await().atMost(WAIT).untilAsserted(() -> given().when().get(readiness).then().statusCode(503)
                .body(org.hamcrest.Matchers.containsString("klaviyo-sync-batches-in")));
        ProxiedPostgresTestResource.proxy().restore();

        await().atMost(WAIT).untilAsserted(() -> assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b")));
        await().atMost(WAIT).untilAsserted(() -> given().when().get(readiness).then().statusCode(200));
        assertThat(syncRuns().getInt("[0].batches")).isEqualTo(2);
        assertThat(deadLetters()).as("dead letters of this account").isEmpty();
    }

    private List<String> deadLetters() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> mine = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(Topics.SYNC_BATCHES_DLQ));
            // Read the topic to its end: every dead letter written so far.
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    if (accountId.equals(r.key())) {
                        mine.add(r.value());
                    }
                });
                return !consumer.assignment().isEmpty()
                        && consumer.endOffsets(consumer.assignment()).entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
        }
        return mine;
    }
}
