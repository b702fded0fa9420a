package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.domain.WindowRules;
import com.nosto.klaviyo.worker.repository.AccountWindowRepository;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import com.nosto.klaviyo.worker.repository.OutboxRepository;
import com.nosto.klaviyo.worker.repository.PreviewRepository;
import com.nosto.klaviyo.worker.repository.ScheduleRepository;
import com.nosto.klaviyo.worker.repository.entity.WindowScheduleEntity;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** Reads an account's window schedule, previews its next windows and lets an operator release them early. */
@ApplicationScoped
public class WindowService {

    /** Emails shown per window kind and change kind in a preview. */
    static final int PREVIEW_SAMPLE = 5;

    private final LedgerRepository ledger;
    private final ScheduleRepository schedules;
    private final OutboxRepository outbox;
    private final PreviewRepository previews;
    private final AccountWindowRepository accounts;
    private final Pool pool;
    private final SyncWorkerConfig config;
    private final Clock clock;

    public WindowService(LedgerRepository ledger, ScheduleRepository schedules, OutboxRepository outbox,
            PreviewRepository previews, AccountWindowRepository accounts, Pool pool, SyncWorkerConfig config, Clock clock) {
        this.ledger = ledger;
        this.schedules = schedules;
        this.outbox = outbox;
        this.previews = previews;
        this.accounts = accounts;
        this.pool = pool;
        this.config = config;
        this.clock = clock;
    }

    /**
     * The account's windows. The regular window always has a next release once the account has been seen (its grid
     * runs whether or not anything waits, so a merchant always sees when the next regular release happens); the
     * first-enable window has one only while a first enable's contacts wait.
     */
    public Uni<WindowStatus> status(String accountId) {
        return Panache.withSession(() -> schedules.listByAccount(accountId).chain(rows -> nextRegular(accountId, rows)
                .chain(nextRegular -> ledger.countRegularPending(accountId)
                .chain(regular -> ledger.countFirstEnablePending(accountId).chain(fe -> outbox.countUnpublished(accountId)
                        .map(unpublished -> new WindowStatus(accountId,
                                new WindowStatus.Window(config.windows().regular().toString(), nextRegular, regular),
                                new WindowStatus.Window(config.windows().firstEnable().toString(), earliest(rows, s -> s.firstEnableDueAt), fe),
                                unpublished)))))));
    }

    /** The earliest partition's regular due time; with nothing waiting, the next end on the account's grid. */
    private Uni<Instant> nextRegular(String accountId, List<WindowScheduleEntity> rows) {
        Instant due = earliest(rows, s -> s.regularDueAt);
        if (due != null) {
            return Uni.createFrom().item(due);
        }
        return accounts.findById(accountId).map(a -> a == null ? null
                : WindowRules.nextRegularEnd(a.createdAt, config.windows().regular(), clock.instant()));
    }

    /** What the account's next windows would release, by change kind, with a few emails each; writes nothing. */
    public Uni<WindowPreview> preview(String accountId) {
        return Panache.withSession(() -> schedules.listByAccount(accountId))
                .chain(rows -> previews.pendingByKind(pool, accountId, PREVIEW_SAMPLE)
                        .map(kinds -> WindowPreview.of(accountId, earliest(rows, s -> s.regularDueAt),
                                earliest(rows, s -> s.firstEnableDueAt), kinds)));
    }

    /**
     * Makes the account's waiting windows due now on every partition: each partition's owning instance releases them
     * at its next tick, so a flush needs no cross-instance call.
     */
    public Uni<WindowStatus> flush(String accountId) {
        return releaseNow(accountId);
    }

    /**
     * A merchant's "sync now": the same as an operator's flush (the waiting windows are due now), limited per account by
     * the {@code sync-now} rate limit so that a merchant cannot turn the 12-hour cadence into a stream of small windows.
     */
    public Uni<WindowStatus> syncNow(String accountId) {
        return releaseNow(accountId);
    }

    private Uni<WindowStatus> releaseNow(String accountId) {
        return Panache.withTransaction(() -> schedules.makeDueNow(accountId, clock.instant()))
                .chain(() -> status(accountId));
    }

    private static Instant earliest(List<WindowScheduleEntity> rows, Function<WindowScheduleEntity, Instant> due) {
        return rows.stream().map(due).filter(Objects::nonNull).min(Instant::compareTo).orElse(null);
    }
}
