package com.nosto.klaviyo.common.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import java.util.Locale;

/**
 * A span context as the W3C {@code traceparent} text ({@code 00-<trace id>-<span id>-<flags>}): the form in which a
 * trace context is stored with an outbox or inbox row and read back when the row is published or applied.
 */
public final class Traceparent {

    private Traceparent() {
    }

    /** The span context's traceparent, or null when it is not valid (no tracing, or no span). */
    public static String of(SpanContext context) {
        return context == null || !context.isValid() ? null
                : "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    public static String of(Span span) {
        return of(span.getSpanContext());
    }

    /** The remote span context the text names, or null when it is not a valid traceparent. */
    public static SpanContext spanContext(String traceparent) {
        if (traceparent == null || traceparent.length() < 55) {
            return null;
        }
        String t = traceparent.toLowerCase(Locale.ROOT);
        // Version 00 has exactly these four fields; a later version may append more after a dash (W3C, "versioning").
        if (t.charAt(2) != '-' || t.charAt(35) != '-' || t.charAt(52) != '-' || t.startsWith("ff")
                || (t.startsWith("00") ? t.length() != 55 : t.length() > 55 && t.charAt(55) != '-')) {
            return null;
        }
        String traceId = t.substring(3, 35);
        String spanId = t.substring(36, 52);
        String flags = t.substring(53, 55);
        if (!TraceId.isValid(traceId) || !SpanId.isValid(spanId) || !isHex(t.substring(0, 2)) || !isHex(flags)) {
            return null;
        }
        return SpanContext.createFromRemoteParent(traceId, spanId, TraceFlags.fromHex(flags, 0), TraceState.getDefault());
    }

    /** A context whose span is the one the text names (to continue it), or null when it is not a valid traceparent. */
    public static Context context(String traceparent) {
        SpanContext span = spanContext(traceparent);
        return span == null ? null : Context.root().with(Span.wrap(span));
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }
}
