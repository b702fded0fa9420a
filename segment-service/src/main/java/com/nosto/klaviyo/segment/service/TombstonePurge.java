package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Deletes tombstones of contacts deleted longer ago than {@code segment-service.retention.tombstones} (G15). Every
 * replica runs it every {@code purge-interval}: each statement deletes at most {@code purge-batch-size} tombstones in its
 * own transaction, taking only rows no other replica is deleting ({@code SKIP LOCKED}), until a statement comes back short.
 */
@ApplicationScoped
public class TombstonePurge {

    private static final Logger LOG = Logger.getLogger(TombstonePurge.class);
    static final String WORK = "tombstone-purge";
    private static final String DELETE = """
            DELETE FROM %1$s.contact_tombstone WHERE key_hash IN (
                SELECT key_hash FROM %1$s.contact_tombstone WHERE deleted_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)""";

    private final Pool pool;
    private final String sql;
    private final SegmentServiceConfig.Retention retention;
    private final Outages outages;
    private final Clock clock;

    public TombstonePurge(Pool pool, @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") String schema,
            SegmentServiceConfig config, Outages outages, Clock clock) {
        this.pool = pool;
        this.sql = DELETE.formatted(schema);
        this.retention = config.retention();
        this.outages = outages;
        this.clock = clock;
    }

    @Scheduled(identity = WORK, every = "${segment-service.retention.purge-interval}", delayed = "2m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return purge()
                .invoke(() -> outages.recovered(WORK))
                .onFailure().invoke(e -> outages.failed(WORK, e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes every tombstone past the retention; returns how many went. */
    public Uni<Long> purge() {
        Instant cutoff = clock.instant().minus(retention.tombstones());
        return batches(cutoff).invoke(n -> {
            if (n > 0) {
                LOG.infof("Retention: deleted %d tombstones of contacts deleted before %s", n, cutoff);
            }
        });
    }

    private Uni<Long> batches(Instant cutoff) {
        int size = retention.purgeBatchSize();
        return pool.withTransaction(conn -> conn.preparedQuery(sql).execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), size)))
                .map(rows -> (long) rows.rowCount())
                .chain(n -> n < size ? Uni.createFrom().item(n) : batches(cutoff).map(more -> n + more));
    }
}
