package com.nosto.klaviyo.segment.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The Kafka ingest on the real broker: valid records change membership; malformed, mistyped or
 * invalid ones reach {@code segment-events-dlq} as a DeadLetter stating the reason, and the records
 * after them are still applied.
 */
@QuarkusTest
class SegmentEventConsumerTest {

    private final Api api = new Api();

    private void send(String email, String value) {
        Kafka.send(new ProducerRecord<>(Topics.SEGMENT_EVENTS, api.account + "|" + email, value));
    }

    private String event(String email, String body) {
        return "{\"accountId\":\"" + api.account + "\",\"email\":\"" + email + "\"," + body + "}";
    }

    private DeadLetter awaitDeadLetter(String email) {
        String key = api.account + "|" + email;
        String json = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.records(Topics.SEGMENT_EVENTS_DLQ, r -> key.equals(r.key())), l -> !l.isEmpty())
                .get(0).value();
        return EventJson.read(json, DeadLetter.class);
    }

    private List<MembershipChange> awaitChanges(String email) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forContact(api.account, email), l -> !l.isEmpty());
    }

    @Test
    void validRecordIsApplied() {
        api.syncedSegment("vip", "VIP");
        send("k1@example.com", event("K1@Example.com", "\"segments\":[\"vip\"],\"observedAt\":\"2026-11-29T08:00:00Z\""));
        assertThat(awaitChanges("k1@example.com").get(0).type()).isEqualTo(ChangeType.ADDED);
    }

    /**
     * Tracing is off by default, and then the Kafka connector's instrumentation is off too
     * ({@code KafkaTracingConfigSourceFactory}): no per-record span work, and no header written, even for an event
     * that arrived with a trace context. (TracingTest shows the header with tracing on.)
     */
    @Test
    void withTracingOffAChangeIsPublishedWithoutATraceHeader() {
        assertThat(ConfigProvider.getConfig().getValue("mp.messaging.connector.smallrye-kafka.tracing-enabled", Boolean.class))
                .isFalse();
        api.syncedSegment("vip", "VIP");
        String email = "untraced@example.com";
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.SEGMENT_EVENTS, api.account + "|" + email,
                event(email, "\"segments\":[\"vip\"],\"observedAt\":\"2026-11-29T08:00:00Z\""));
        record.headers().add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.US_ASCII));
        Kafka.send(record);
        String key = api.account + "|" + email;
        ConsumerRecord<String, String> published = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.records(Topics.MEMBERSHIP_CHANGES, r -> key.equals(r.key())), l -> !l.isEmpty()).get(0);
        assertThat(published.headers().lastHeader("traceparent")).isNull();
    }

    @Test
    void malformedJsonIsDeadLetteredAndTheNextRecordIsStillApplied() {
        api.syncedSegment("vip", "VIP");
        send("bad1@example.com", "{\"accountId\": \"" + api.account + "\", \"email\": ");
        send("ok1@example.com", event("ok1@example.com", "\"segments\":[\"vip\"],\"observedAt\":\"2026-11-29T08:00:00Z\""));

        DeadLetter letter = awaitDeadLetter("bad1@example.com");
        assertThat(letter.errorType()).isEqualTo("MALFORMED_JSON");
        assertThat(letter.reason()).startsWith("Malformed JSON");
        assertThat(letter.payload()).isEqualTo("{\"accountId\": \"" + api.account + "\", \"email\": ");
        assertThat(letter.sourceTopic()).isEqualTo(Topics.SEGMENT_EVENTS);
        assertThat(letter.sourceOffset()).isNotNull();
        assertThat(letter.service()).isEqualTo("segment-service");
        assertThat(awaitChanges("ok1@example.com").get(0).type()).isEqualTo(ChangeType.ADDED);
    }

    @Test
    void wrongTypeIsDeadLetteredWithTheField() {
        send("bad2@example.com", event("bad2@example.com", "\"segments\":\"vip\",\"observedAt\":\"2026-11-29T08:00:00Z\""));
        DeadLetter letter = awaitDeadLetter("bad2@example.com");
        assertThat(letter.errorType()).isEqualTo("WRONG_TYPE");
        assertThat(letter.reason()).contains("/segments");
    }

    @Test
    void unparsableTimeIsDeadLettered() {
        send("bad3@example.com", event("bad3@example.com", "\"deleted\":true,\"observedAt\":\"yesterday\""));
        DeadLetter letter = awaitDeadLetter("bad3@example.com");
        assertThat(letter.errorType()).isEqualTo("WRONG_TYPE");
        assertThat(letter.reason()).contains("/observedAt");
    }

    @Test
    void invalidEmailIsDeadLettered() {
        send("bad4", event("not-an-email", "\"segments\":[],\"observedAt\":\"2026-11-29T08:00:00Z\""));
        DeadLetter letter = awaitDeadLetter("bad4");
        assertThat(letter.errorType()).isEqualTo("INVALID_EVENT");
        assertThat(letter.reason()).startsWith("/email");
    }

    @Test
    void twoFormsAreDeadLettered() {
        send("bad5@example.com", event("bad5@example.com",
                "\"segments\":[\"a\"],\"deleted\":true,\"observedAt\":\"2026-11-29T08:00:00Z\""));
        assertThat(awaitDeadLetter("bad5@example.com").reason()).contains("exactly one form");
    }

    @Test
    void missingObservedAtIsDeadLettered() {
        send("bad6@example.com", event("bad6@example.com", "\"segments\":[\"a\"]"));
        assertThat(awaitDeadLetter("bad6@example.com").reason()).contains("/observedAt");
    }
}
