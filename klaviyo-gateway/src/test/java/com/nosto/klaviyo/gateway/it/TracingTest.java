package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.gateway.client.KlaviyoOperation;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, the chunk that applies a window continues the trace its first batch arrived in (the record's
 * {@code traceparent}) and links to the other batches' traces; every Klaviyo call is a CLIENT span named after its
 * operation, a child of the chunk's span, and the web client adds no HTTP span of its own.
 */
@QuarkusTest
@TestProfile(TracingTest.TracingOn.class)
class TracingTest extends GatewayTestBase {

    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.simple", "true",
                    "quarkus.otel.exporter.otlp.enabled", "false");
        }
    }

    private static final String BATCH_TRACE = "5bf92f3577b34da6a3ce929d0e0e4736";
    private static final String MARKER_TRACE = "6bf92f3577b34da6a3ce929d0e0e4736";

    @Inject
    InMemorySpanExporter spans;

    private List<SpanData> spansOf(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    @Test
    void theKlaviyoCallsOfAWindowAreSpansInTheTraceItsBatchArrivedIn() {
        connect();
        publish(batch("w1", 0, List.of(added(email("jane"), 1, "VIP"))), "00-" + BATCH_TRACE + "-00f067aa0ba902b7-01");
        publish(marker("w1", 1), "00-" + MARKER_TRACE + "-00f067aa0ba902b7-01");
        awaitWindows(1);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            SpanData apply = spansOf(BATCH_TRACE).stream().filter(s -> s.getName().equals("klaviyo-gateway apply"))
                    .findFirst().orElseThrow(() -> new AssertionError("no apply span in the batch's trace; spans: "
                            + spans.getFinishedSpanItems().stream().map(s -> s.getName() + "/" + s.getKind() + "@" + s.getTraceId())
                                    .toList()));
            assertThat(apply.getLinks()).extracting(LinkData::getSpanContext).extracting(c -> c.getTraceId())
                    .containsExactly(MARKER_TRACE);
            List<SpanData> calls = spansOf(BATCH_TRACE).stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
            assertThat(calls).isNotEmpty().allSatisfy(call -> {
                assertThat(call.getName()).isIn(Arrays.stream(KlaviyoOperation.values()).map(op -> "klaviyo " + op.operationId())
                        .toList());
                assertThat(call.getParentSpanId()).isEqualTo(apply.getSpanId());
            });
        });
    }
}
