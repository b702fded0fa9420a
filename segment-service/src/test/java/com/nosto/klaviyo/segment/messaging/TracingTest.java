package com.nosto.klaviyo.segment.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Kafka;
import com.nosto.klaviyo.segment.support.TracingOn;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, a membership change goes out in the trace of the event that caused it, across the outbox: the
 * record on {@code segment-membership-changes} carries a {@code traceparent} of the event's trace id, written by the
 * relay's publish span, which continues the context stored with the outbox row.
 */
@QuarkusTest
@TestProfile(TracingOn.class)
class TracingTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Inject
    InMemorySpanExporter spans;

    private final Api api = new Api();

    private static String traceparent(String traceId) {
        return "00-" + traceId + "-00f067aa0ba902b7-01";
    }

    private String publishedTraceparent(String email) {
        String key = api.account + "|" + email;
        ConsumerRecord<String, String> record = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.records(Topics.MEMBERSHIP_CHANGES, r -> key.equals(r.key())), l -> !l.isEmpty()).get(0);
        Header header = record.headers().lastHeader("traceparent");
        assertThat(header).as("traceparent header of the change").isNotNull();
        return new String(header.value(), StandardCharsets.US_ASCII);
    }

    private List<SpanData> spansOf(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    @Test
    void aChangeIsPublishedInTheTraceItsKafkaEventArrivedIn() {
        api.syncedSegment("vip", "VIP");
        String traceId = "1" + TRACE_ID.substring(1);
        String email = "kafka-traced@example.com";
        ProducerRecord<String, String> event = new ProducerRecord<>(Topics.SEGMENT_EVENTS, api.account + "|" + email,
                "{\"accountId\":\"" + api.account + "\",\"email\":\"" + email + "\",\"segments\":[\"vip\"],\"observedAt\":\""
                        + Instant.now() + "\"}");
        event.headers().add("traceparent", traceparent(traceId).getBytes(StandardCharsets.US_ASCII));
        Kafka.send(event);

        String published = publishedTraceparent(email);
        assertThat(published).startsWith("00-" + traceId + "-").doesNotContain("00f067aa0ba902b7");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(spansOf(traceId))
                .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.PRODUCER))
                .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.CONSUMER)));
    }

    @Test
    void aChangeIsPublishedInTheTraceOfTheRestRequestThatPostedItsEvent() {
        api.syncedSegment("vip", "VIP");
        String traceId = "2" + TRACE_ID.substring(1);
        String email = "rest-traced@example.com";
        given().auth().oauth2(api.token).contentType(ContentType.JSON).header("traceparent", traceparent(traceId))
                .body(List.of(api.fullSet(email, Instant.now(), "vip")))
                .when().post("/api/accounts/{a}/segment-events", api.account)
                .then().statusCode(202);

        assertThat(publishedTraceparent(email)).startsWith("00-" + traceId + "-");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(spansOf(traceId))
                .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.SERVER))
                .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.PRODUCER)));
    }
}
