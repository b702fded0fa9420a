package com.nosto.klaviyo.emulator;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How an emulator instance behaves. Immutable; use {@link #defaults()} and the withers.
 *
 * @param port            TCP port on 127.0.0.1; 0 picks a free one
 * @param host            interface to bind (127.0.0.1 by default; 0.0.0.0 for a container)
 * @param rateLimitScale  multiplies every limit of the spec's {@code x-klaviyo-ratelimit} (0.1 = a tenth, min 1 per window)
 * @param rateLimitsEnabled false turns throttling off entirely (RateLimit-* headers are still sent)
 * @param bulkJobDelay    how long a bulk import job stays queued/processing before it completes
 * @param specPath        the OpenAPI spec to read rate limits from; null = system property {@code klaviyo.spec},
 *                        env {@code KLAVIYO_SPEC}, then {@code klaviyo-emulator/spec/stable.json} above the working directory,
 *                        then the table generated from that spec and bundled in the jar
 * @param clock           time source for rate-limit windows and timestamps (tests may pass a manual clock)
 * @param apiKeys         keys registered at start (more can be added with {@link KlaviyoEmulator#account(String)})
 * @param callLogCapacity how many calls the call log keeps (oldest dropped first)
 */
public record EmulatorConfig(
        int port,
        String host,
        double rateLimitScale,
        boolean rateLimitsEnabled,
        Duration bulkJobDelay,
        Path specPath,
        Clock clock,
        List<String> apiKeys,
        int callLogCapacity) {

    public EmulatorConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(bulkJobDelay, "bulkJobDelay");
        Objects.requireNonNull(clock, "clock");
        apiKeys = List.copyOf(apiKeys);
        if (rateLimitScale <= 0) {
            throw new IllegalArgumentException("rateLimitScale must be > 0");
        }
    }

    public static EmulatorConfig defaults() {
        return new EmulatorConfig(0, "127.0.0.1", 1.0, true, Duration.ofMillis(200), null, Clock.systemUTC(), List.of(), 20_000);
    }

    public EmulatorConfig withPort(int port) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }

    public EmulatorConfig withHost(String host) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }

    public EmulatorConfig withRateLimitScale(double rateLimitScale) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }

    public EmulatorConfig withRateLimitsEnabled(boolean rateLimitsEnabled) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }

    public EmulatorConfig withBulkJobDelay(Duration bulkJobDelay) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }

    public EmulatorConfig withSpecPath(Path specPath) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }

    public EmulatorConfig withClock(Clock clock) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }

    public EmulatorConfig withApiKeys(List<String> apiKeys) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }

    public EmulatorConfig withCallLogCapacity(int callLogCapacity) {
        return new EmulatorConfig(port, host, rateLimitScale, rateLimitsEnabled, bulkJobDelay, specPath, clock, apiKeys, callLogCapacity);
    }
}
