package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.repository.RetentionRepository;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * Keeps the sync history, the applied batch ids and the ledger rows of contacts no longer in the list no longer than
 * {@link GatewayConfig.Retention} says (G15): row outcomes (they hold emails) 30 days, window entries 90 days, applied
 * batch ids 14 days, removed contacts 30 days after their last change. Runs on every replica every
 * {@code purge-interval}; deletes are idempotent and take rows no other replica is deleting, a bounded batch per short
 * transaction, until a batch comes back short.
 */
@ApplicationScoped
public class RetentionPurge {

    private static final Logger LOG = Logger.getLogger(RetentionPurge.class);
    static final String WORK = "klaviyo-gateway retention purge";

    private final RetentionRepository rows;
    private final Outages outages;
    private final GatewayConfig.Retention retention;

    public RetentionPurge(RetentionRepository rows, Outages outages, GatewayConfig config) {
        this.rows = rows;
        this.outages = outages;
        this.retention = config.retention();
    }

    @Scheduled(every = "${gateway.retention.purge-interval:1h}", delayed = "2m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return purge().invoke(n -> outages.recovered(WORK)).onFailure().invoke(e -> outages.failed(WORK, e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes every row past its retention; returns {sync runs, row outcomes, applied batch ids, removed contacts} deleted. */
    public Uni<long[]> purge() {
        Instant now = Instant.now();
        return all(rows::deleteRowErrors, now.minus(retention.rowErrors()))
                .chain(errors -> all(rows::deleteSyncRuns, now.minus(retention.syncRuns()))
                        .chain(runs -> all(rows::deleteAppliedBatches, now.minus(retention.appliedBatches()))
                                .chain(applied -> all(rows::deleteRemovedContacts, now.minus(retention.removedContacts()))
                                        .map(removed -> new long[] {runs, errors, applied, removed}))))
                .invoke(n -> {
                    if (n[0] + n[1] + n[2] + n[3] > 0) {
                        LOG.infof("Retention: deleted %d sync history entries (older than %s), %d row outcomes (%s), %d applied"
                                + " batch ids (%s), %d removed contacts (%s)", n[0], retention.syncRuns(), n[1], retention.rowErrors(),
                                n[2], retention.appliedBatches(), n[3], retention.removedContacts());
                    }
                });
    }

    /** Batch after batch until one comes back short. */
    private Uni<Long> all(BiFunction<Instant, Integer, Uni<Integer>> delete, Instant cutoff) {
        int size = retention.purgeBatchSize();
        return delete.apply(cutoff, size).chain(n -> n < size ? Uni.createFrom().item((long) n)
                : all(delete, cutoff).map(more -> n + more));
    }
}
