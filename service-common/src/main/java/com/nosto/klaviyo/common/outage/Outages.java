package com.nosto.klaviyo.common.outage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * How every consumer and background loop waits out an outage (database, broker, Klaviyo): retry the same work
 * with capped exponential backoff and jitter for as long as it takes, report not-ready meanwhile, log the start,
 * a reminder every minute and the recovery, and count the retries. A record problem ({@link Failures}) is not
 * retried: it fails the returned Uni so the caller can dead-letter that record.
 *
 * <p>Each piece of work has a name (the channel or loop: {@code segment-events-in}, {@code outbox-relay}); the
 * readiness check is DOWN while any of them waits, with the name, since when and the last cause. Metrics:
 * {@code nks_outage_waiting{work}} (1 while waiting) and {@code nks_outage_retries_total{work}}.
 */
@ApplicationScoped
@Default
@Readiness
public class Outages implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(Outages.class);
    private static final Duration REMIND_EVERY = Duration.ofMinutes(1);

    /** One piece of work that is waiting: since when, how many failed attempts, the last cause. */
    private static final class Waiting {
        final Instant since = Instant.now();
        volatile long attempts;
        volatile String cause;
        volatile long remindedAtNanos = System.nanoTime();
    }

    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();
    private final Map<String, Boolean> tracked = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final Duration initialBackoff;
    private final Duration maxBackoff;

    public Outages(MeterRegistry registry,
            @ConfigProperty(name = "nks.outage.initial-backoff", defaultValue = "200ms") Duration initialBackoff,
            @ConfigProperty(name = "nks.outage.max-backoff", defaultValue = "30s") Duration maxBackoff) {
        this.registry = registry;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
    }

    /**
     * Runs {@code attempt} until it succeeds, retrying every failure that is not a record problem, for ever. The
     * attempt must be safe to repeat (idempotent, or a transaction that rolled back).
     */
    public <T> Uni<T> untilDone(String work, Supplier<Uni<? extends T>> attempt) {
        return Uni.createFrom().<T>deferred(attempt)
                .onFailure(Failures::isTransient).invoke(e -> failed(work, e))
                .onFailure(Failures::isTransient).retry().withBackOff(initialBackoff, maxBackoff).withJitter(0.2).indefinitely()
                .invoke(() -> recovered(work));
    }

    /** For loops that retry on their own schedule: an attempt of {@code work} failed (transient or not). */
    public void failed(String work, Throwable failure) {
        retries.computeIfAbsent(work, w -> Counter.builder("nks.outage.retries").tag("work", w)
                .description("Failed attempts of work that is retried until it succeeds").register(registry)).increment();
        track(work);
        Waiting w = waiting.computeIfAbsent(work, k -> new Waiting());
        w.attempts++;
        w.cause = Failures.describe(failure);
        if (w.attempts == 1) {
            LOG.warnf("%s is waiting for a dependency and will retry until it succeeds: %s", work, w.cause);
        } else if (System.nanoTime() - w.remindedAtNanos >= REMIND_EVERY.toNanos()) {
            w.remindedAtNanos = System.nanoTime();
            LOG.warnf("%s still waiting since %s (%d attempts): %s", work, w.since, w.attempts, w.cause);
        } else {
            LOG.debugf("%s attempt %d failed: %s", work, w.attempts, w.cause);
        }
    }

    /**
     * {@code nks_outage_waiting{work}}, registered the first time the work is seen (failed or done), so it reads 0 from
     * the work's first run rather than appearing only with the first outage.
     */
    private void track(String work) {
        tracked.computeIfAbsent(work, k -> {
            Gauge.builder("nks.outage.waiting", waiting, m -> m.containsKey(k) ? 1 : 0).tag("work", k)
                    .description("1 while the work waits for a dependency to come back").register(registry);
            return Boolean.TRUE;
        });
    }

    /** {@code work} succeeded: it no longer waits. */
    public void recovered(String work) {
        track(work);
        Waiting w = waiting.remove(work);
        if (w != null) {
            LOG.infof("%s recovered after %d s and %d failed attempts", work,
                    Duration.between(w.since, Instant.now()).toSeconds(), w.attempts);
        }
    }

    /** True while any work waits. */
    public boolean anyWaiting() {
        return !waiting.isEmpty();
    }

    /** True while {@code work} waits. */
    public boolean isWaiting(String work) {
        return waiting.containsKey(work);
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("outages").status(waiting.isEmpty());
        new TreeMap<>(waiting).forEach((work, w) -> r.withData(work, "waiting since " + w.since + " (" + w.attempts
                + " attempts): " + w.cause));
        return r.build();
    }
}
