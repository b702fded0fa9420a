package com.nosto.klaviyo.segment.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Kafka;
import com.nosto.klaviyo.segment.support.Schemas;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** What this service actually publishes (not just what the records serialize to) validates against the contract. */
@QuarkusTest
class PublishedRecordsSchemaTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private final Api api = new Api();

    @Test
    void publishedMembershipChangesOfEveryTypeValidate() {
        api.syncedSegment("vip", "VIP");
        api.syncedSegment("bean", "Bean");
        String email = "schema@example.com";
        api.post(api.fullSet(email, T0, "vip"), api.fullSet(email, T0.plusSeconds(1), "bean"),
                api.fullSet(email, T0.plusSeconds(2)), api.fullSet(email, T0.plusSeconds(3), "vip"),
                api.deletion(email, T0.plusSeconds(4)));
        String key = api.account + "|" + email;
        List<ConsumerRecord<String, String>> records = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.records(Topics.MEMBERSHIP_CHANGES, r -> key.equals(r.key())), l -> l.size() >= 5);
        assertThat(records).extracting(ConsumerRecord::value)
                .allSatisfy(json -> assertThat(Schemas.validate("membership-change.schema.json", json)).as(json).isEmpty());
        assertThat(records).extracting(ConsumerRecord::value).anyMatch(v -> v.contains("\"DELETED\""));
    }

    @Test
    void publishedDeadLetterValidates() {
        String key = api.account + "|dlq-schema";
        Kafka.send(new ProducerRecord<>(Topics.SEGMENT_EVENTS, key, "not json at all"));
        String json = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.records(Topics.SEGMENT_EVENTS_DLQ, r -> key.equals(r.key())), l -> !l.isEmpty())
                .get(0).value();
        assertThat(Schemas.validate("dead-letter.schema.json", json)).as(json).isEmpty();
    }
}
