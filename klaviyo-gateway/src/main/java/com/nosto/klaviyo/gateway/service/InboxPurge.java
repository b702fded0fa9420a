package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.repository.InboxRepository;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Batches of an account without a working Klaviyo connection (never connected, disconnected, or its key rejected) are
 * kept for {@code gateway.inbox.unconnected-retention} (30 days), then purged, with an entry in the account's sync
 * history saying how many batches and contacts expired and that a resync is needed after connecting. Runs on every
 * replica every {@code purge-interval}; one at a time purges (an advisory lock in each account's purge transaction).
 * Accounts are purged 100 at a time, each in its own transaction, so nothing is loaded whole.
 */
@ApplicationScoped
public class InboxPurge {

    private static final Logger LOG = Logger.getLogger(InboxPurge.class);
    static final String WORK = "klaviyo-gateway inbox purge";
    private static final int ACCOUNTS_PER_QUERY = 100;

    private final InboxRepository inbox;
    private final SyncStateRepository state;
    private final GatewayMetrics metrics;
    private final Outages outages;
    private final Duration retention;

    public InboxPurge(InboxRepository inbox, SyncStateRepository state, GatewayMetrics metrics, Outages outages,
            GatewayConfig config) {
        this.inbox = inbox;
        this.state = state;
        this.metrics = metrics;
        this.outages = outages;
        this.retention = config.inbox().unconnectedRetention();
    }

    @Scheduled(every = "${gateway.inbox.purge-interval:1h}", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return purge().invoke(n -> outages.recovered(WORK)).onFailure().invoke(e -> outages.failed(WORK, e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Purges every expired batch; returns how many batches went. */
    public Uni<Integer> purge() {
        Instant now = Instant.now();
        Instant cutoff = now.minus(retention);
        String entry = "inbox-expired/" + now;
        return inbox.accountsWithExpired(cutoff, ACCOUNTS_PER_QUERY).chain(accounts -> purge(accounts, cutoff, entry).chain(n ->
                n < 0 || accounts.size() < ACCOUNTS_PER_QUERY ? Uni.createFrom().item(Math.max(n, 0))
                        : purge().map(more -> n + more)));
    }

    /** Purges these accounts' expired batches; -1 when another replica holds the purge. */
    private Uni<Integer> purge(List<String> accounts, Instant cutoff, String entry) {
        return Multi.createFrom().iterable(accounts)
                .onItem().transformToUniAndConcatenate(a -> state.purge(a, cutoff, entry, gone -> gone[0] + " batch(es) with " + gone[1]
                        + " contact(s) waited longer than " + retention.toDays() + " days without a working Klaviyo connection and"
                        + " were discarded. After connecting, ask for a resync so that Klaviyo receives every current member.")
                        .invoke(gone -> {
                            if (gone[0] > 0) {
                                metrics.expired((int) gone[0]);
                                LOG.infof("Account %s: %d waiting batch(es) with %d contact(s) expired (no working Klaviyo connection"
                                        + " for %s)", a, gone[0], gone[1], retention);
                            }
                        }))
                .collect().asList()
                .map(all -> all.stream().anyMatch(g -> g[0] < 0) ? -1 : all.stream().mapToInt(g -> (int) g[0]).sum());
    }
}
