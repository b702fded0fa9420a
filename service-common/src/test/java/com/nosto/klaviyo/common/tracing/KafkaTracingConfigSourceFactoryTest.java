package com.nosto.klaviyo.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaTracingConfigSourceFactoryTest {

    private static SmallRyeConfig config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(properties, "application.properties", 250))
                .withSources(new KafkaTracingConfigSourceFactory()).build();
    }

    private static boolean kafkaTracing(SmallRyeConfig config) {
        return config.getValue(KafkaTracingConfigSourceFactory.KAFKA_TRACING, Boolean.class);
    }

    @Test
    void kafkaTracingIsOffWhileTheSdkIsDisabledAsInTheServicesDefaults() {
        assertThat(kafkaTracing(config(Map.of("quarkus.otel.sdk.disabled", "true")))).isFalse();
        // The services' own line: the expression is expanded before the factory reads it.
        assertThat(kafkaTracing(config(Map.of("quarkus.otel.sdk.disabled", "${OTEL_SDK_DISABLED_UNSET_IN_TESTS:true}"))))
                .isFalse();
    }

    @Test
    void kafkaTracingIsOnWhenTracingIsSwitchedOnOrTheSdkLeftToItsDefault() {
        assertThat(kafkaTracing(config(Map.of("quarkus.otel.sdk.disabled", "false")))).isTrue();
        assertThat(kafkaTracing(config(Map.of("quarkus.otel.sdk.disabled", "${OTEL_SDK_DISABLED_UNSET_IN_TESTS:false}"))))
                .isTrue();
        assertThat(kafkaTracing(config(Map.of()))).isTrue();
    }

    @Test
    void aValueSetForTheConnectorStillWins() {
        SmallRyeConfig config = config(Map.of("quarkus.otel.sdk.disabled", "true", KafkaTracingConfigSourceFactory.KAFKA_TRACING, "true"));
        assertThat(kafkaTracing(config)).isTrue();
        ConfigValue value = config.getConfigValue(KafkaTracingConfigSourceFactory.KAFKA_TRACING);
        assertThat(value.getSourceName()).contains("application.properties");
    }
}
