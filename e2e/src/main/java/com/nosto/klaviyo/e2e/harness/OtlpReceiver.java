package com.nosto.klaviyo.e2e.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in for an OpenTelemetry collector: an OTLP/HTTP (protobuf) endpoint on a free local port that keeps every
 * span the services export, so an end-to-end test can follow one event's trace across the three processes. Point a
 * service at it with {@link #serviceProperties()}.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One exported span, with what a test follows: its trace, parent and links, and its string attributes. */
    public record Span(String service, String traceId, String spanId, String parentSpanId, String name,
            List<Link> links, Map<String, String> attributes) {
    }

    /** A span's link to another trace's span (sync-worker links a released batch to the changes it carries). */
    public record Link(String traceId, String spanId) {
    }

    private static final HexFormat HEX = HexFormat.of();

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    public static OtlpReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            OtlpReceiver receiver = new OtlpReceiver(server);
            server.createContext("/v1/traces", receiver::handle);
            server.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "otlp-receiver");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the OTLP receiver", e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * The settings that turn tracing on in a service and export to this receiver: every trace kept, spans sent in
     * small batches within a fraction of a second.
     */
    public Map<String, String> serviceProperties() {
        return Map.of(
                "quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.traces.endpoint", endpoint(),
                "quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf",
                "quarkus.otel.traces.sampler.arg", "1.0",
                "quarkus.otel.bsp.schedule.delay", "200ms");
    }

    /** Every span received so far. */
    public List<Span> spans() {
        return List.copyOf(spans);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            InputStream body = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new GZIPInputStream(body);
            }
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.readAllBytes());
            for (ResourceSpans resource : request.getResourceSpansList()) {
                String service = attributes(resource.getResource().getAttributesList()).getOrDefault("service.name", "?");
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    scope.getSpansList().forEach(s -> spans.add(new Span(service, hex(s.getTraceId().toByteArray()),
                            hex(s.getSpanId().toByteArray()), hex(s.getParentSpanId().toByteArray()), s.getName(),
                            s.getLinksList().stream().map(l -> new Link(hex(l.getTraceId().toByteArray()),
                                    hex(l.getSpanId().toByteArray()))).toList(),
                            attributes(s.getAttributesList()))));
                }
            }
            // An empty ExportTraceServiceResponse (no body): everything accepted.
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    private static Map<String, String> attributes(List<KeyValue> values) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : values) {
            var v = kv.getValue();
            out.put(kv.getKey(), v.hasStringValue() ? v.getStringValue()
                    : v.hasIntValue() ? Long.toString(v.getIntValue())
                    : v.hasBoolValue() ? Boolean.toString(v.getBoolValue())
                    : v.toString().trim());
        }
        return out;
    }

    private static String hex(byte[] bytes) {
        return bytes.length == 0 ? "" : HEX.formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
