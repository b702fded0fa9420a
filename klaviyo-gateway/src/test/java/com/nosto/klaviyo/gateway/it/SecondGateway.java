package com.nosto.klaviyo.gateway.it;

import com.nosto.klaviyo.common.tracing.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.SentRequestLog;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.repository.AccountLeaseRepository;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import com.nosto.klaviyo.gateway.repository.InboxRepository;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import com.nosto.klaviyo.gateway.service.AccountApplier;
import com.nosto.klaviyo.gateway.service.ApplyScheduler;
import com.nosto.klaviyo.gateway.service.BulkImport;
import com.nosto.klaviyo.gateway.service.BulkJobFollower;
import com.nosto.klaviyo.gateway.service.ChunkApplier;
import com.nosto.klaviyo.gateway.service.LeaseService;
import com.nosto.klaviyo.gateway.service.LeaveStep;
import com.nosto.klaviyo.gateway.service.ListService;
import com.nosto.klaviyo.gateway.service.UpsertStep;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Another gateway replica in the test's JVM: its own Klaviyo client (and pacer), leases, applier and scheduler, built
 * from the production classes, sharing the database, the broker-fed inbox and the emulator with the application under
 * test. It calls Klaviyo only under leases, like the application; its calls are counted in its own meter registry.
 */
final class SecondGateway implements AutoCloseable {

    /** What a replica shares with the application: configuration, repositories, the key cipher (no client proxy: fields are read). */
    @jakarta.inject.Singleton
    static class Shared {
        @Inject Vertx vertx;
        @Inject KlaviyoConfig klaviyoConfig;
        @Inject GatewayConfig gatewayConfig;
        @Inject SentRequestLog sent;
        @Inject Outages outages;
        @Inject AccountLeaseRepository leaseRows;
        @Inject InboxRepository inbox;
        @Inject SyncStateRepository state;
        @Inject ConnectionRepository connections;
        @Inject KeyCipher cipher;
    }

    /** The second gateway traces nothing (the tests that use it are not about tracing). */
    private static final Tracing TRACING_OFF = new Tracing(OpenTelemetry.noop(), true);

    final String name;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final KlaviyoClient klaviyo;
    final LeaseService leases;
    final AccountApplier applier;
    final ApplyScheduler scheduler;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private final AtomicBoolean killed = new AtomicBoolean();
    private final AtomicReference<Cancellable> current = new AtomicReference<>();

    SecondGateway(String name, int concurrency, Shared s) {
        this.name = name;
        GatewayMetrics metrics = new GatewayMetrics(registry);
        klaviyo = new KlaviyoClient(s.vertx, s.klaviyoConfig, metrics, s.sent, TRACING_OFF);
        ListService lists = new ListService(klaviyo, s.connections);
        BulkImport bulk = new BulkImport(klaviyo, new BulkJobFollower(klaviyo, s.klaviyoConfig), lists);
        ChunkApplier chunks = new ChunkApplier(s.inbox, s.state, lists, new UpsertStep(klaviyo, bulk, lists, s.klaviyoConfig),
                new LeaveStep(klaviyo, bulk, lists, s.klaviyoConfig), metrics, s.klaviyoConfig, s.gatewayConfig, TRACING_OFF);
        applier = new AccountApplier(s.inbox, s.state, s.connections, s.cipher, chunks, metrics, s.gatewayConfig);
        leases = new LeaseService(s.leaseRows, klaviyo, s.gatewayConfig, s.outages, metrics, name);
        scheduler = new ApplyScheduler(leases, applier, s.outages, concurrency, Duration.ofSeconds(1));
    }

    /** Klaviyo calls this replica made. */
    double calls() {
        return registry.find("gateway.klaviyo.calls").counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Renews its leases every 500 ms, as the application's scheduled job does. */
    SecondGateway renewing() {
        timer.scheduleWithFixedDelay(() -> run(leases.renewAll()), 500, 500, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Runs scheduling rounds every 50 ms: takes due accounts like any replica. */
    SecondGateway scheduling() {
        timer.scheduleWithFixedDelay(() -> run(scheduler.round()), 0, 50, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One turn on the account if its lease is free: true when it had the lease. */
    boolean turn(String accountId) {
        return turnUni(accountId).await().atMost(Duration.ofMinutes(3));
    }

    /** Turns on the account one after the other until {@link #kill()}. */
    SecondGateway turning(String accountId) {
        timer.execute(() -> nextTurn(accountId));
        return this;
    }

    private void nextTurn(String accountId) {
        if (killed.get()) {
            return;
        }
        // The same pause after a turn as after finding the lease taken: two replicas turning on one account take turns about
        // equally often.
        current.set(turnUni(accountId).subscribe().with(had -> again(accountId, 20), e -> again(accountId, 20)));
    }

    private void again(String accountId, long millis) {
        try {
            timer.schedule(() -> nextTurn(accountId), millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // killed
        }
    }

    /** Dies as kill -9 would: work in flight is dropped, nothing is given back, leases stop being renewed. */
    void kill() {
        killed.set(true);
        timer.shutdownNow();
        Cancellable c = current.get();
        if (c != null) {
            c.cancel();
        }
    }

    private Uni<Boolean> turnUni(String accountId) {
        return leases.acquire(accountId).chain((Optional<AccountLease> lease) -> lease.isEmpty() ? Uni.createFrom().item(false)
                : applier.turn(lease.get()).chain(release -> leases.release(lease.get(), release)).replaceWith(true));
    }

    private static void run(Uni<?> work) {
        try {
            work.await().atMost(Duration.ofMinutes(3));
        } catch (RuntimeException e) {
            // The next tick tries again, as the scheduled jobs do.
        }
    }

    @Override
    public void close() {
        killed.set(true);
        timer.shutdownNow();
    }
}
