package com.nosto.klaviyo.worker.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Tracing switched on, spans going to the in-memory exporter ({@link InMemorySpans}) as they end. */
public class TracingOn implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.simple", "true",
                "quarkus.otel.exporter.otlp.enabled", "false");
    }
}
