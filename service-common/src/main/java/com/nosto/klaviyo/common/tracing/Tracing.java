package com.nosto.klaviyo.common.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Trace contexts where the framework's instrumentation cannot carry them: across an outbox or inbox row, and into a
 * span that merges the work of many traces (linked, at most {@link #MAX_LINKS}). The HTTP server, the Kafka consumers
 * and producers (SmallRye Reactive Messaging) and the SQL client are traced by the Quarkus OpenTelemetry extension.
 *
 * <p>Off unless {@code quarkus.otel.sdk.disabled=false}: then every method answers null or a no-op span at once, so
 * no row stores a context and nothing is spent per event.
 */
@ApplicationScoped
public class Tracing {

    /** Links per span at most: a coalesced batch names up to this many of the changes it carries. */
    public static final int MAX_LINKS = 32;
    /** The W3C header SmallRye's Kafka instrumentation writes and reads. */
    public static final String HEADER = "traceparent";

    private final Tracer tracer;
    private final boolean enabled;

    public Tracing(OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "true") boolean disabled) {
        this.tracer = openTelemetry.getTracer("com.nosto.klaviyo");
        this.enabled = !disabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The traceparent a Kafka record arrived with (its producer's span), or null. */
    public String of(ConsumerRecord<?, ?> record) {
        if (!enabled) {
            return null;
        }
        Header header = record.headers().lastHeader(HEADER);
        if (header == null || header.value() == null) {
            return null;
        }
        String text = new String(header.value(), StandardCharsets.US_ASCII);
        return Traceparent.spanContext(text) == null ? null : text;
    }

    /** The current span's traceparent (an HTTP request's server span, say), or null. */
    public String current() {
        return enabled ? Traceparent.of(Span.current().getSpanContext()) : null;
    }

    /**
     * Starts a span that continues {@code parent} (a new trace when it is null) and links to the distinct contexts of
     * {@code linked}, the first {@link #MAX_LINKS} of them; attribute {@code nks.links} counts all of them.
     */
    public Span start(String name, String parent, Collection<String> linked) {
        if (!enabled) {
            return Span.getInvalid();
        }
        SpanBuilder builder = tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL);
        Context context = Traceparent.context(parent);
        if (context == null) {
            builder.setNoParent();
        } else {
            builder.setParent(context);
        }
        int links = 0;
        for (String text : new LinkedHashSet<>(linked)) {
            SpanContext span = text == null || text.equals(parent) ? null : Traceparent.spanContext(text);
            if (span != null && links++ < MAX_LINKS) {
                builder.addLink(span);
            }
        }
        return builder.setAttribute("nks.links", links).startSpan();
    }

    /** Starts a span of {@code kind} under {@code parent} (the current context when null). */
    public Span start(String name, SpanKind kind, Context parent) {
        if (!enabled) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(parent == null ? Context.current() : parent).startSpan();
    }
}
