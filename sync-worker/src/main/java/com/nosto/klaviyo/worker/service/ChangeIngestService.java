package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.domain.ApplyOutcome;
import com.nosto.klaviyo.worker.domain.Coalescing;
import com.nosto.klaviyo.worker.domain.ContactLedger;
import com.nosto.klaviyo.worker.domain.WindowRules;
import com.nosto.klaviyo.worker.repository.AccountWindowRepository;
import com.nosto.klaviyo.worker.repository.ContactLedgerEntity;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import com.nosto.klaviyo.worker.repository.ScheduleRepository;
import com.nosto.klaviyo.worker.repository.WindowScheduleEntity;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stores one membership change: folds it into the contact's ledger and makes sure a window is
 * scheduled for it, in one transaction. The caller acknowledges the record only after this succeeds.
 */
@ApplicationScoped
public class ChangeIngestService {

    @Inject
    LedgerRepository ledger;
    @Inject
    ScheduleRepository schedules;
    @Inject
    AccountWindowRepository accounts;
    @Inject
    Clock clock;
    @Inject
    SyncWorkerConfig config;
    @Inject
    WorkerMetrics metrics;

    public Uni<ApplyOutcome> ingest(MembershipChange change, int sourcePartition) {
        return Uni.createFrom().deferred(() -> Panache.withTransaction(() -> apply(change, sourcePartition)))
                // Retries cover lock timeouts and two instances inserting the same row during a rebalance.
                .onFailure().retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(2)).atMost(config.ingest().retries())
                .invoke(metrics::changeIn);
    }

    private Uni<ApplyOutcome> apply(MembershipChange change, int partition) {
        Instant now = clock.instant();
        ContactKey contact = change.contactKey();
        ContactLedgerEntity.Key key = new ContactLedgerEntity.Key(contact.accountId(), contact.email());
        return accounts.anchor(contact.accountId(), now).chain(anchor -> ledger.findForUpdate(key).chain(row -> {
            Coalescing.Result result = Coalescing.apply(row == null ? null : row.toLedger(), change, now);
            if (!result.outcome().changedLedger()) {
                return Uni.createFrom().item(result.outcome());
            }
            ContactLedgerEntity entity = row;
            if (entity == null) {
                entity = new ContactLedgerEntity();
                entity.key = key;
            }
            entity.sourcePartition = partition;
            entity.apply(result.ledger(), now);
            Uni<Void> write = row == null ? ledger.persist(entity).replaceWithVoid() : Uni.createFrom().voidItem();
            return write
                    .chain(() -> result.ledger().pending()
                            ? schedule(contact.accountId(), partition, anchor, result.ledger(), now)
                            : Uni.createFrom().voidItem())
                    .replaceWith(result.outcome());
        }));
    }

    /** A pending contact always has a regular window ahead; a first-enable one also a short one. */
    private Uni<Void> schedule(String accountId, int partition, Instant anchor, ContactLedger pending, Instant now) {
        WindowScheduleEntity.Key key = new WindowScheduleEntity.Key(accountId, partition);
        return schedules.findForUpdate(key).chain(existing -> {
            WindowScheduleEntity s = existing;
            if (s == null) {
                s = new WindowScheduleEntity();
                s.key = key;
            }
            if (s.regularDueAt == null) {
                s.regularDueAt = WindowRules.nextRegularEnd(anchor, config.windows().regular(), now);
            }
            if (pending.firstEnablePending()) {
                Instant due = WindowRules.firstEnableEnd(pending.firstEnableSince(), config.windows().firstEnable());
                if (s.firstEnableDueAt == null || due.isBefore(s.firstEnableDueAt)) {
                    s.firstEnableDueAt = due;
                }
            }
            return existing == null ? schedules.persist(s).replaceWithVoid() : Uni.createFrom().voidItem();
        });
    }
}
