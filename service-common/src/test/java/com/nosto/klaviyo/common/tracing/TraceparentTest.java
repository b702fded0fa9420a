package com.nosto.klaviyo.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.junit.jupiter.api.Test;

class TraceparentTest {

    private static final String SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aTraceparentReadsBackAsTheSameText() {
        SpanContext context = Traceparent.spanContext(SAMPLED);
        assertThat(context.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(context.getSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(context.isSampled()).isTrue();
        assertThat(Traceparent.of(context)).isEqualTo(SAMPLED);
        assertThat(Span.fromContext(Traceparent.context(SAMPLED)).getSpanContext()).isEqualTo(context);
    }

    @Test
    void malformedOrInvalidTextIsNoContext() {
        assertThat(Traceparent.spanContext(null)).isNull();
        assertThat(Traceparent.spanContext("")).isNull();
        assertThat(Traceparent.spanContext("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isNull();
        assertThat(Traceparent.spanContext("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).isNull();
        assertThat(Traceparent.spanContext("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isNull();
        assertThat(Traceparent.spanContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g")).isNull();
        assertThat(Traceparent.spanContext(SAMPLED + "-extra")).isNull();
        assertThat(Traceparent.context("not a traceparent")).isNull();
        assertThat(Traceparent.of(SpanContext.getInvalid())).isNull();
    }
}
