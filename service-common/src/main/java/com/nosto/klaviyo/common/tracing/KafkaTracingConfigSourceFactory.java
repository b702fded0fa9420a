package com.nosto.klaviyo.common.tracing;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Makes the Kafka connector's tracing follow the tracing switch. SmallRye's Kafka instrumentation runs for every record
 * consumed and produced whenever the OpenTelemetry extension is present, even with the SDK disabled: it builds a
 * context, starts a no-op span and makes it current, per record (about 7 % of segment-service's and sync-worker's CPU
 * in figure 1). So the connector-wide {@value #KAFKA_TRACING} defaults to the opposite of {@value #SDK_DISABLED}: off
 * unless tracing is switched on (the chart's {@code global.tracing.enabled}, {@code OTEL_SDK_DISABLED=false}), with
 * no second switch to keep in step.
 *
 * <p>The default sits below every file, environment and system-property source ({@value #ORDINAL}), so a value set for
 * the connector or for one channel still wins.
 */
public final class KafkaTracingConfigSourceFactory implements ConfigSourceFactory {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final String KAFKA_TRACING = "mp.messaging.connector.smallrye-kafka.tracing-enabled";
    /** Below application.properties (250), .env (295), the environment (300) and system properties (400). */
    static final int ORDINAL = 150;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue disabled = context.getValue(SDK_DISABLED);
        return List.of(new PropertiesConfigSource(
                Map.of(KAFKA_TRACING, Boolean.toString(tracingEnabled(disabled == null ? null : disabled.getValue()))),
                "nks-kafka-tracing-follows-otel-sdk", ORDINAL));
    }

    /** Tracing is on when the SDK is not disabled; unset means on, as Quarkus's own default for the SDK. */
    static boolean tracingEnabled(String sdkDisabled) {
        return sdkDisabled == null || !Boolean.parseBoolean(sdkDisabled.trim());
    }
}
