package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.logging.LogContext;
import com.nosto.klaviyo.common.outage.Failures;
import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.service.LeaseService.Release;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Applies accounts' windows, on every replica: every {@code gateway.apply.interval} (a Quarkus scheduled job), and at once
 * when batches arrive, an account connects or a turn ends, it fills this replica's free slots ({@code concurrency}) with
 * accounts that are due and whose lease is free, least recently served first (claimed in one statement that skips an
 * account another replica is claiming at that moment instead of waiting for it), and gives each one turn: one chunk of
 * work ({@link AccountApplier}), after which the account yields its slot and goes to the back of the queue. Who owns
 * what with N replicas: each account's lease (one replica at a time, across all); any replica may take any account.
 * A round that cannot reach the database is reported ({@link Outages}: readiness DOWN) and the next round retries.
 */
@ApplicationScoped
public class ApplyScheduler {

    private static final Logger LOG = Logger.getLogger(ApplyScheduler.class);
    static final String WORK = "klaviyo-gateway apply";

    private final LeaseService leaseService;
    private final AccountApplier applier;
    private final Outages outages;
    private final int concurrency;
    private final Duration retryAfterFailure;
    private final AtomicInteger running = new AtomicInteger();
    private final Set<String> inTurn = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean roundRunning = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();

    @Inject
    public ApplyScheduler(LeaseService leaseService, AccountApplier applier, Outages outages, GatewayConfig config) {
        this(leaseService, applier, outages, config.apply().concurrency(), config.apply().retryInitialBackoff());
    }

    /** {@code concurrency}: accounts this instance applies at once (a test's second replica sets its own). */
    public ApplyScheduler(LeaseService leaseService, AccountApplier applier, Outages outages, int concurrency,
            Duration retryAfterFailure) {
        this.leaseService = leaseService;
        this.applier = applier;
        this.outages = outages;
        this.concurrency = concurrency;
        this.retryAfterFailure = retryAfterFailure;
    }

    @Scheduled(every = "${gateway.apply.interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return round();
    }

    /** Looks for work now (batches arrived, an account connected); a round already running looks once more after it. */
    public void trigger() {
        round().subscribe().with(x -> { }, e -> LOG.debug("Apply round failed", e));
    }

    /** Accounts in a turn on this replica now. */
    public int running() {
        return running.get();
    }

    public Uni<Void> round() {
        if (concurrency <= 0) {
            return Uni.createFrom().voidItem();
        }
        if (!roundRunning.compareAndSet(false, true)) {
            again.set(true);
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().deferred(this::fill)
                .invoke(() -> outages.recovered(WORK))
                .onFailure().invoke(e -> outages.failed(WORK, e))
                .onFailure().recoverWithNull()
                .eventually(() -> {
                    roundRunning.set(false);
                    if (again.getAndSet(false)) {
                        trigger();
                    }
                });
    }

    /** Claims due accounts for this replica's free slots and starts a turn on each. */
    private Uni<Void> fill() {
        int free = concurrency - running.get();
        if (free <= 0) {
            return Uni.createFrom().voidItem();
        }
        return leaseService.claimDue(free, Set.copyOf(inTurn)).invoke(claimed -> claimed.forEach(this::start)).replaceWithVoid();
    }

    private void start(AccountLease lease) {
        running.incrementAndGet();
        inTurn.add(lease.accountId());
        Uni.createFrom().deferred(() -> applier.turn(lease))
                .onFailure(AccountLease.LeaseLostException.class).recoverWithItem(e -> {
                    LogContext.account(lease.accountId()).run(() -> LOG.warnf("Account %s: the lease ended during its turn;"
                            + " what was not committed is applied again by its next holder", lease.accountId()));
                    return Release.now();
                })
                .onFailure().recoverWithItem(e -> {
                    // The database (or something unexpected) failed the turn: nothing of the chunk was recorded.
                    outages.failed(WORK, e);
                    LogContext.account(lease.accountId()).run(() -> LOG.warnf("Account %s: its turn failed (%s); tried again"
                            + " in %s", lease.accountId(), Failures.describe(e), retryAfterFailure));
                    return new Release(retryAfterFailure, false, null, lease.failures());
                })
                .chain(release -> leaseService.release(lease, release))
                .onFailure().invoke(e -> LogContext.account(lease.accountId()).run(() -> LOG.warnf("Account %s: giving its"
                        + " lease back failed (%s); it expires by itself", lease.accountId(), Failures.describe(e))))
                .onFailure().recoverWithNull()
                .eventually(() -> {
                    inTurn.remove(lease.accountId());
                    running.decrementAndGet();
                    trigger();
                })
                .subscribe().with(x -> { }, e -> LOG.error("Apply turn bookkeeping failed", e));
    }
}
