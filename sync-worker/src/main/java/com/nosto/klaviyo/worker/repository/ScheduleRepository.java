package com.nosto.klaviyo.worker.repository;

import com.nosto.klaviyo.common.messaging.AdvisoryLocks;
import com.nosto.klaviyo.worker.repository.entity.WindowScheduleEntity;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class ScheduleRepository implements PanacheRepositoryBase<WindowScheduleEntity, WindowScheduleEntity.Key> {

    /**
     * Makes this transaction the one releasing the account's windows on the partition, across every instance, until
     * it ends: false when another transaction holds it (the caller leaves the window to that one). During a rebalance
     * two instances may both believe they own a partition; this keeps their pages, sequences and markers apart.
     */
    public Uni<Boolean> tryLockRelease(String accountId, int partition) {
        long key = AdvisoryLocks.key("sync-worker/release/" + accountId + "/" + partition);
        return Panache.getSession().chain(s -> s.createNativeQuery(AdvisoryLocks.TRY_TRANSACTION_LOCK_SQL, Boolean.class)
                .setParameter(1, key).getSingleResult());
    }

    /** Row lock that orders "store a pending change" against "finish a release" for one account partition. */
    public Uni<WindowScheduleEntity> findForUpdate(WindowScheduleEntity.Key key) {
        return findById(key, LockModeType.PESSIMISTIC_WRITE);
    }

    public Uni<List<WindowScheduleEntity>> findDue(Collection<Integer> partitions, Instant now, int limit) {
        return find("key.sourcePartition in ?1 and (regularDueAt <= ?2 or firstEnableDueAt <= ?2)"
                + " order by key.accountId, key.sourcePartition", partitions, now).page(Page.ofSize(limit)).list();
    }

    /** Windows due before the cutoff and not released yet: how many (account, partition) rows, and the earliest due time. */
    public record Overdue(long windows, long accounts, Instant earliestDue) {
    }

    public Uni<Overdue> overdue(Instant cutoff) {
        return Panache.getSession().chain(s -> s.createSelectionQuery(
                        "select count(*), count(distinct e.key.accountId),"
                                + " min(case when e.regularDueAt <= ?1 then e.regularDueAt end),"
                                + " min(case when e.firstEnableDueAt <= ?1 then e.firstEnableDueAt end)"
                                + " from WindowScheduleEntity e where e.regularDueAt <= ?1 or e.firstEnableDueAt <= ?1", Object[].class)
                .setParameter(1, cutoff).getSingleResult())
                .map(r -> new Overdue(((Number) r[0]).longValue(), ((Number) r[1]).longValue(), earlier((Instant) r[2], (Instant) r[3])));
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    public Uni<List<WindowScheduleEntity>> listByAccount(String accountId) {
        return list("key.accountId", accountId);
    }

    /**
     * Makes every waiting window of the account due now; each partition's owner releases it at its next tick.
     * One statement, one instant: the flushed partitions release one window (one windowId), and its end
     * markers count every one of them. A partition whose regular window is already due keeps it: another partition
     * may have released that window already and counted this one in its markers, so moving it to the flush's window
     * would leave the window one marker short for good (the gateway would wait for its max-wait).
     */
    public Uni<Integer> makeDueNow(String accountId, Instant now) {
        return update("regularDueAt = ?1 where key.accountId = ?2 and regularDueAt > ?1", now, accountId);
    }

    /** A due time a poll asks for: the regular one always, the first-enable one when such a contact waits. */
    public record Due(String accountId, int partition, Instant regularDueAt, Instant firstEnableDueAt) {
    }

    /**
     * Makes sure every given (account, partition) has its windows scheduled, one statement for the poll:
     * a regular due time is set only where none is (the grid end already stored stays), a first-enable
     * due time moves only earlier. The upsert takes the schedule row lock, which orders it against a
     * release recomputing the same row (see WindowEnds#reschedule). Pass one entry per key, sorted.
     */
    public Uni<Void> scheduleAll(SqlConnection conn, List<Due> due) {
        if (due.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] accounts = due.stream().map(Due::accountId).toArray(String[]::new);
        Integer[] partitions = due.stream().map(Due::partition).toArray(Integer[]::new);
        OffsetDateTime[] regular = due.stream().map(d -> LedgerRepository.timestamp(d.regularDueAt())).toArray(OffsetDateTime[]::new);
        OffsetDateTime[] firstEnable = due.stream().map(d -> LedgerRepository.timestamp(d.firstEnableDueAt()))
                .toArray(OffsetDateTime[]::new);
        return conn.preparedQuery("""
                        INSERT INTO sync_worker.window_schedule AS s (account_id, source_partition, regular_due_at, first_enable_due_at)
                        SELECT * FROM unnest($1::text[], $2::int4[], $3::timestamptz[], $4::timestamptz[])
                        ON CONFLICT (account_id, source_partition) DO UPDATE
                           SET regular_due_at = COALESCE(s.regular_due_at, EXCLUDED.regular_due_at),
                               first_enable_due_at = LEAST(s.first_enable_due_at, EXCLUDED.first_enable_due_at)""")
                .execute(Tuple.of(accounts, partitions, regular, firstEnable)).replaceWithVoid();
    }
}
