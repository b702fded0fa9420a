package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import com.nosto.klaviyo.worker.repository.OutboxRepository;
import com.nosto.klaviyo.worker.repository.ScheduleRepository;
import com.nosto.klaviyo.worker.repository.WindowScheduleEntity;
import com.nosto.klaviyo.worker.rest.WindowStatus;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** Reads an account's window schedule and lets an operator release it early. */
@ApplicationScoped
public class WindowService {

    @Inject
    LedgerRepository ledger;
    @Inject
    ScheduleRepository schedules;
    @Inject
    OutboxRepository outbox;
    @Inject
    ReleaseScheduler scheduler;
    @Inject
    SyncWorkerConfig config;
    @Inject
    Clock clock;

    public Uni<WindowStatus> status(String accountId) {
        return Panache.withSession(() -> schedules.listByAccount(accountId).chain(rows -> ledger.countRegularPending(accountId)
                .chain(regular -> ledger.countFirstEnablePending(accountId).chain(fe -> outbox.countUnpublished(accountId)
                        .map(unpublished -> new WindowStatus(accountId,
                                new WindowStatus.Window(config.windows().regular().toString(), earliest(rows, s -> s.regularDueAt), regular),
                                new WindowStatus.Window(config.windows().firstEnable().toString(), earliest(rows, s -> s.firstEnableDueAt), fe),
                                unpublished))))));
    }

    /**
     * Makes the account's waiting windows due now on every partition: each partition's owning instance
     * releases them at its next tick (this one at once), so a flush needs no cross-instance call.
     */
    public Uni<WindowStatus> flush(String accountId) {
        return Panache.withTransaction(() -> schedules.makeDueNow(accountId, clock.instant()))
                .invoke(scheduler::triggerNow)
                .chain(() -> status(accountId));
    }

    private static Instant earliest(List<WindowScheduleEntity> rows, Function<WindowScheduleEntity, Instant> due) {
        return rows.stream().map(due).filter(Objects::nonNull).min(Instant::compareTo).orElse(null);
    }
}
