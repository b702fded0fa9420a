package com.nosto.klaviyo.common.outage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class OutagesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Outages outages = new Outages(registry, Duration.ofMillis(5), Duration.ofMillis(20));

    @Test
    void transientFailuresAreRetriedUntilTheWorkSucceedsAndCounted() {
        AtomicInteger attempts = new AtomicInteger();
        String result = outages.untilDone("relay", () -> attempts.incrementAndGet() < 5
                ? Uni.createFrom().failure(new ConnectException("Connection refused"))
                : Uni.createFrom().item("done")).await().atMost(Duration.ofSeconds(5));

        assertThat(result).isEqualTo("done");
        assertThat(attempts).hasValue(5);
        assertThat(registry.get("nks.outage.retries").tag("work", "relay").counter().count()).isEqualTo(4.0);
        assertThat(outages.anyWaiting()).isFalse();
        assertThat(outages.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    }

    @Test
    void aRecordProblemIsNotRetriedAndReachesTheCaller() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> outages.untilDone("consumer", () -> {
            attempts.incrementAndGet();
            return Uni.createFrom().failure(new InvalidRecordException("INVALID_EVENT", "bad"));
        }).await().atMost(Duration.ofSeconds(5))).isInstanceOf(InvalidRecordException.class);
        assertThat(attempts).hasValue(1);
        assertThat(outages.anyWaiting()).isFalse();
    }

    @Test
    void readinessIsDownWhileWorkWaitsAndUpAgainAfterItRecovers() throws Exception {
        CountDownLatch failing = new CountDownLatch(3);
        CompletableFuture<Void> databaseBack = new CompletableFuture<>();
        CompletableFuture<String> done = outages.untilDone("segment-events-in", () -> {
            if (databaseBack.isDone()) {
                return Uni.createFrom().item("stored");
            }
            failing.countDown();
            return Uni.createFrom().failure(new ConnectException("Connection refused"));
        }).subscribeAsCompletionStage();

        assertThat(failing.await(5, TimeUnit.SECONDS)).isTrue();
        HealthCheckResponse down = outages.call();
        assertThat(down.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(down.getData()).hasValueSatisfying(d -> assertThat(d).containsKey("segment-events-in"));
        assertThat(registry.get("nks.outage.waiting").tag("work", "segment-events-in").gauge().value()).isEqualTo(1.0);

        databaseBack.complete(null);
        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo("stored");
        assertThat(outages.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(registry.get("nks.outage.waiting").tag("work", "segment-events-in").gauge().value()).isZero();
    }
}
