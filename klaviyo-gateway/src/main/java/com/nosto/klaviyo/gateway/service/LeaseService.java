package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.domain.RatePacer;
import com.nosto.klaviyo.gateway.domain.Waiting;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.repository.AccountLeaseRepository;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * This replica's leases on accounts (one replica calls Klaviyo for an account at a time, across all replicas). A lease
 * is taken with one statement when it is free or expired in the database, renewed every {@code lease-renew-interval}
 * by every replica for the leases it holds (a Quarkus scheduled job), and given back after the work under it was
 * committed. The account's Klaviyo pacing state travels with it: loaded into this replica's pacer when it is taken,
 * saved when it is renewed or given back. A replica that dies stops renewing; its leases expire after
 * {@code lease-ttl} and another replica takes the accounts over, with the pacing state of its last renewal.
 */
@ApplicationScoped
public class LeaseService {

    private static final Logger LOG = Logger.getLogger(LeaseService.class);
    static final String RENEWAL = "klaviyo-gateway lease renewal";

    /** An account's pacing state as saved in its lease row: operation → bucket. */
    public record SavedPacer(Map<String, RatePacer.BucketState> buckets) {
    }

    /**
     * How a lease is given back.
     *
     * @param notBefore when the account may be taken again (null: at once)
     * @param never     not until batches arrive for it or it is connected
     * @param waiting   what its batches wait for (null: nothing)
     * @param failures  consecutive failures to reach Klaviyo (the backoff's count)
     */
    public record Release(Duration notBefore, boolean never, Waiting waiting, int failures) {

        public static Release now() {
            return new Release(null, false, null, 0);
        }
    }

    /** The account is being applied; a connect or disconnect waited {@code lease-wait} for it in vain. */
    public static final class AccountBusyException extends RuntimeException {
        public AccountBusyException(String accountId) {
            super("account " + accountId + " is being synced right now; try again in a minute");
        }
    }

    private final AccountLeaseRepository leases;
    private final KlaviyoClient klaviyo;
    private final GatewayConfig.Apply config;
    private final Outages outages;
    private final GatewayMetrics metrics;
    private final String instance;
    private final Map<String, AccountLease> held = new ConcurrentHashMap<>();

    @Inject
    public LeaseService(AccountLeaseRepository leases, KlaviyoClient klaviyo, GatewayConfig config, Outages outages,
            GatewayMetrics metrics) {
        this(leases, klaviyo, config, outages, metrics, hostName());
    }

    /** {@code instance} names this replica in the lease rows (a test's second replica names itself). */
    public LeaseService(AccountLeaseRepository leases, KlaviyoClient klaviyo, GatewayConfig config, Outages outages, GatewayMetrics metrics,
            String instance) {
        this.leases = leases;
        this.klaviyo = klaviyo;
        this.config = config.apply();
        this.outages = outages;
        this.metrics = metrics;
        this.instance = instance;
    }

    /** Takes the account's lease if no replica holds it; empty otherwise. */
    public Uni<Optional<AccountLease>> acquire(String accountId) {
        long asked = System.nanoTime();
        return leases.acquire(accountId, instance + "/" + UUID.randomUUID(), config.leaseTtl())
                .map(granted -> granted.map(g -> held(g, asked)));
    }

    /**
     * Takes the leases of up to {@code max} accounts that are due and free, least recently served first, except
     * {@code exclude} (the accounts in a turn on this replica): the apply scheduler's claim, one statement that skips
     * accounts another replica is taking at the same moment instead of waiting for it.
     */
    public Uni<List<AccountLease>> claimDue(int max, Collection<String> exclude) {
        long asked = System.nanoTime();
        return leases.claimDue(instance, max, exclude, config.leaseTtl())
                .map(granted -> granted.stream().map(g -> held(g, asked)).toList());
    }

    /** A lease granted to this replica, asked for at {@code asked}: the account's pacing state loaded, the lease held. */
    private AccountLease held(AccountLeaseRepository.Granted g, long asked) {
        if (!g.pacerState().isEmpty()) {
            try {
                klaviyo.pacer().restore(g.accountId(), EventJson.read(g.pacerState(), SavedPacer.class).buckets());
            } catch (IllegalArgumentException e) {
                LOG.warnf("Account %s: the saved pacing state is unreadable (%s); pacing from Klaviyo's answers", g.accountId(),
                        e.getMessage());
            }
        }
        AccountLease lease = new AccountLease(g.accountId(), g.holder(), asked, config.leaseTtl().toNanos(),
                config.leaseMargin().toNanos(), System::nanoTime, g.waitingKind().isEmpty() ? null : g.waitingKind(), g.failures());
        held.put(g.holder(), lease);
        return lease;
    }

    /** Takes the account's lease, waiting up to {@code lease-wait} for the replica that holds it (connect, disconnect). */
    public Uni<AccountLease> acquireWaiting(String accountId) {
        long deadline = System.nanoTime() + config.leaseWait().toNanos();
        return acquire(accountId).chain(l -> {
            if (l.isPresent()) {
                return Uni.createFrom().item(l.get());
            }
            if (System.nanoTime() > deadline) {
                return Uni.createFrom().failure(new AccountBusyException(accountId));
            }
            return Uni.createFrom().nullItem();
        }).onItem().ifNull().failWith(Retry::new)
                .onFailure(Retry.class).retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(1)).indefinitely();
    }

    /** A round of {@link #acquireWaiting} that found the lease held (retried until the deadline). */
    private static final class Retry extends RuntimeException {
        Retry() {
            super(null, null, false, false);
        }
    }

    /** Gives the lease back with the account's pacing state; the lease is over here at once. */
    public Uni<Void> release(AccountLease lease, Release how) {
        lease.end();
        held.remove(lease.holder());
        String state = EventJson.write(new SavedPacer(klaviyo.pacer().export(lease.accountId(), true)));
        return leases.release(lease.accountId(), lease.holder(), state, how.notBefore(), how.never(), how.waiting(), how.failures())
                .invoke(n -> {
                    if (n == 0) {
                        LOG.infof("Account %s: the lease had already passed to another replica when it was given back", lease.accountId());
                    }
                }).replaceWithVoid();
    }

    /** Renews every lease this replica holds and saves its pacing state; a lease found taken ends here at once. */
    @Scheduled(every = "${gateway.apply.lease-renew-interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public Uni<Void> renewAll() {
        List<AccountLease> mine = List.copyOf(held.values());
        return Multi.createFrom().iterable(mine).onItem().transformToUniAndConcatenate(this::renew).collect().asList()
                .invoke(x -> outages.recovered(RENEWAL))
                .onFailure().invoke(e -> outages.failed(RENEWAL, e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> renew(AccountLease lease) {
        if (!lease.valid()) {
            return Uni.createFrom().voidItem();
        }
        long asked = System.nanoTime();
        String state = EventJson.write(new SavedPacer(klaviyo.pacer().export(lease.accountId(), false)));
        return leases.renew(lease.holder(), state, config.leaseTtl()).invoke(still -> {
            if (still) {
                lease.renewed(asked);
            } else {
                LOG.warnf("Account %s: its lease passed to another replica; this replica stops calling Klaviyo for it",
                        lease.accountId());
                lease.end();
                held.remove(lease.holder());
                metrics.leaseLost();
            }
        }).replaceWithVoid();
    }

    private static String hostName() {
        String pod = System.getenv("HOSTNAME");
        return pod == null || pod.isBlank() ? "gateway-" + UUID.randomUUID().toString().substring(0, 8) : pod;
    }
}
