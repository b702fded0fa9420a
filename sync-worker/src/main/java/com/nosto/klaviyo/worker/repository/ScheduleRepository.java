package com.nosto.klaviyo.worker.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class ScheduleRepository implements PanacheRepositoryBase<WindowScheduleEntity, WindowScheduleEntity.Key> {

    /** Row lock that orders "store a pending change" against "finish a release" for one account partition. */
    public Uni<WindowScheduleEntity> findForUpdate(WindowScheduleEntity.Key key) {
        return findById(key, LockModeType.PESSIMISTIC_WRITE);
    }

    public Uni<List<WindowScheduleEntity>> findDue(Collection<Integer> partitions, Instant now, int limit) {
        return find("key.sourcePartition in ?1 and (regularDueAt <= ?2 or firstEnableDueAt <= ?2)"
                + " order by key.accountId, key.sourcePartition", partitions, now).page(Page.ofSize(limit)).list();
    }

    public Uni<List<WindowScheduleEntity>> listByAccount(String accountId) {
        return list("key.accountId", accountId);
    }

    /** Makes every waiting window of the account due now; each partition's owner releases it at its next tick. */
    public Uni<Integer> makeDueNow(String accountId, Instant now) {
        return update("regularDueAt = ?1 where key.accountId = ?2 and regularDueAt is not null", now, accountId);
    }
}
