package com.nosto.klaviyo.e2e;

import com.nosto.klaviyo.e2e.harness.OtlpReceiver;
import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One running system for the whole e2e suite (starting three services costs most of a minute on two
 * cores). Windows are scaled: the first-enable window is seconds, the regular one long enough that a
 * test can see a change wait for it. Tests that are not about cadence release with the SRE flush. It runs as production
 * does with tracing and JSON logs switched on: every service exports its spans to one {@link OtlpReceiver} and writes
 * JSON log lines, which {@code TracingAndLogsE2ETest} follows.
 */
final class E2ESystem {

    static final Duration FIRST_ENABLE_WINDOW = Duration.ofSeconds(4);
    static final Duration REGULAR_WINDOW = Duration.ofSeconds(40);

    private static SystemUnderTest system;
    private static OtlpReceiver spans;

    private E2ESystem() {
    }

    static synchronized SystemUnderTest get() {
        if (system == null) {
            // -De2e.ready-timeout-seconds=N: a busy shared machine can need more than the default 300 s per start.
            Duration ready = Duration.ofSeconds(Long.getLong("e2e.ready-timeout-seconds", 300));
            spans = OtlpReceiver.start();
            Map<String, String> observed = new HashMap<>(spans.serviceProperties());
            observed.put("quarkus.log.console.json.enabled", "true");
            SystemUnderTest.Options options = SystemUnderTest.Options.of(REGULAR_WINDOW, FIRST_ENABLE_WINDOW).withReadyTimeout(ready);
            for (String module : new String[] {"segment-service", "sync-worker", "klaviyo-gateway"}) {
                options = options.withSystemProperties(module, observed);
            }
            system = SystemUnderTest.start(options);
            Runtime.getRuntime().addShutdownHook(new Thread(system::close));
        }
        return system;
    }

    /** The spans the shared system's services exported (starts the system if it does not run). */
    static synchronized OtlpReceiver spans() {
        get();
        return spans;
    }

    /** Stops the shared system if it runs, so a test that brings its own does not share two cores with it. */
    static synchronized void release() {
        if (system != null) {
            system.close();
            system = null;
            spans.close();
            spans = null;
        }
    }
}
