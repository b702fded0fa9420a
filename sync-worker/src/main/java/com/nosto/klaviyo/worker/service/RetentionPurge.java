package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Removes contacts deleted in Nosto from the ledger once their deletion was released and
 * {@code sync-worker.retention.deleted-contacts} has passed (G15: the ledger holds their email). Any replica may run it:
 * each statement deletes a bounded batch in its own transaction and skips rows another transaction holds.
 */
@ApplicationScoped
public class RetentionPurge {

    private static final Logger LOG = Logger.getLogger(RetentionPurge.class);
    /** The loop's name in readiness and in {@code nks_outage_*}. */
    static final String LOOP = "deleted-contacts-purge";

    private final LedgerRepository ledger;
    private final SyncWorkerConfig config;
    private final Clock clock;
    private final Loops loops;

    public RetentionPurge(LedgerRepository ledger, SyncWorkerConfig config, Clock clock, Loops loops) {
        this.ledger = ledger;
        this.config = config;
        this.clock = clock;
        this.loops = loops;
    }

    @Scheduled(identity = LOOP, every = "1h", delayed = "2m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void purge() {
        loops.run(LOOP, this::purgeDeletedContacts);
    }

    /** Deletes every deleted contact past the retention; returns how many. Blocking. */
    public long purgeDeletedContacts() {
        Instant cutoff = clock.instant().minus(config.retention().deletedContacts());
        int size = config.retention().purgeBatchSize();
        long total = 0;
        int n;
        do {
            n = Reactive.await(() -> Panache.withTransaction(() -> ledger.purgeDeleted(cutoff, size)));
            total += n;
        } while (n == size);
        if (total > 0) {
            LOG.infof("Retention: %d contacts deleted in Nosto before %s left the ledger", total, cutoff);
        }
        return total;
    }
}
