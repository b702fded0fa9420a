package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nosto.klaviyo.e2e.harness.OtlpReceiver;
import com.nosto.klaviyo.e2e.harness.OtlpReceiver.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Issue 22's proof, on the shared system (three service processes, tracing and JSON logs on, spans exported over OTLP
 * to the test): an event sent with a known trace id is followed to the Klaviyo call that applied it, and every
 * service's JSON log names the account.
 *
 * <p>The chain: the REST request's span and the change's publish are in the caller's trace; sync-worker's consumer
 * continues it; the release of the window's batch starts a trace of its own <em>linked</em> to the changes it carries
 * (coalescing merges many events into one batch); the gateway's apply span and its {@code klaviyo …} call spans
 * continue the release's trace.
 */
class TracingAndLogsE2ETest extends E2ETestBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anEventsTraceLeadsToTheKlaviyoCallThatAppliedItAndEveryServiceLogsTheAccount() throws IOException {
        OtlpReceiver receiver = E2ESystem.spans();
        connect();
        segment("vip", "VIP", true);
        String traceId = HexFormat.of().formatHex(randomBytes(16));
        String traceparent = "00-" + traceId + "-" + HexFormat.of().formatHex(randomBytes(8)) + "-01";

        var event = stampForKafka(full("traced@example.com", "vip"));
        api.publish(account, List.of(event), traceparent).expect(200, 202);
        model.apply(event);
        flushAndAwaitConverged();

        try {
            awaitTheKlaviyoCallLinkedTo(receiver, traceId);
        } finally {
            // The spans as received, for reading when the chain breaks.
            Files.write(system.service("klaviyo-gateway").log().resolveSibling("spans.txt"),
                    receiver.spans().stream().map(Span::toString).toList());
        }

        for (String module : new String[] {"segment-service", "sync-worker", "klaviyo-gateway"}) {
            List<JsonNode> lines = jsonLines(module);
            assertThat(lines).as(module + " writes JSON lines").isNotEmpty();
            assertThat(lines).as(module + ": a line in the account's log context")
                    .anySatisfy(l -> assertThat(l.path("mdc").path("accountId").asText()).isEqualTo(account));
            assertThat(lines).as(module + ": dated timestamps").allSatisfy(l ->
                    assertThat(l.path("timestamp").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*"));
            assertThat(lines).as(module + ": its name on every line")
                    .allSatisfy(l -> assertThat(l.path("service").asText()).isEqualTo(module));
            assertThat(Files.readString(system.service(module).log())).as(module + " never logs the address in clear")
                    .doesNotContain("traced@example.com");
        }
    }

    private void awaitTheKlaviyoCallLinkedTo(OtlpReceiver receiver, String traceId) {
        Awaitility.await("the Klaviyo call in a trace linked to " + traceId).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                    List<Span> spans = receiver.spans();
                    // The caller's trace crosses segment-service and reaches sync-worker's consumer.
                    Set<String> servicesInTrace = spans.stream().filter(s -> s.traceId().equals(traceId))
                            .map(Span::service).collect(Collectors.toSet());
                    assertThat(servicesInTrace).as("services with spans in the caller's trace")
                            .contains("segment-service", "sync-worker");
                    // The release of this account's batch links back to it ...
                    List<Span> releases = spans.stream().filter(s -> s.name().equals("sync-worker release"))
                            .filter(s -> account.equals(s.attributes().get("nks.account_id")))
                            .filter(s -> s.links().stream().anyMatch(l -> l.traceId().equals(traceId))).toList();
                    assertThat(releases).as("release spans linked to the event's trace").isNotEmpty();
                    Set<String> releaseTraces = releases.stream().map(Span::traceId).collect(Collectors.toSet());
                    // ... and the gateway's Klaviyo call that wrote the profile is in the release's trace.
                    List<Span> calls = spans.stream().filter(s -> releaseTraces.contains(s.traceId()))
                            .filter(s -> s.service().equals("klaviyo-gateway") && s.name().startsWith("klaviyo "))
                            .toList();
                    // A single contact is written with one profile upsert (bulk import is for larger chunks).
                    assertThat(calls).as("Klaviyo call spans in the release's trace").extracting(Span::name)
                            .containsAnyOf("klaviyo create_or_update_profile", "klaviyo bulk_import_profiles");
                    assertThat(calls).allSatisfy(c -> assertThat(c.attributes()).containsEntry("nks.account_id", account));
                    // SQL statements are not traced by default: each background poll would start a trace of its own.
                    assertThat(spans).as("SQL statement spans").noneMatch(s -> s.attributes().containsKey("db.statement"));
                });
    }

    /** Every line of the service's log that is a JSON object (the JVM's own start-up lines are not). */
    private List<JsonNode> jsonLines(String module) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(system.service(module).log())) {
            if (line.startsWith("{")) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1; // never all zeros (an invalid id)
        return b;
    }
}
