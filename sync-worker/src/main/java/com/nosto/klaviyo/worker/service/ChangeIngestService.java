package com.nosto.klaviyo.worker.service;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.domain.ApplyOutcome;
import com.nosto.klaviyo.worker.domain.ContactLedger;
import com.nosto.klaviyo.worker.domain.PollCoalescing.ContactUpdate;
import com.nosto.klaviyo.worker.domain.PollCoalescing;
import com.nosto.klaviyo.worker.domain.WindowRules;
import com.nosto.klaviyo.worker.repository.AccountWindowRepository;
import com.nosto.klaviyo.worker.repository.LedgerRepository;
import com.nosto.klaviyo.worker.repository.ScheduleRepository.Due;
import com.nosto.klaviyo.worker.repository.ScheduleRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Stores one poll of membership changes in one transaction: lock the ledgers of every contact the
 * poll touches, fold the changes into them in record order ({@link PollCoalescing}: the same version
 * guards and coalescing as one change at a time), write the changed ledgers and make sure a window is
 * scheduled for every (account, partition) left with pending contacts. A fixed number of multi-row
 * statements per poll, whatever its size: the poll costs one commit instead of one per record. The
 * caller acknowledges the poll's records only after this succeeds, and retries a failed transaction (each attempt
 * folds the poll again over what is stored then: a lock timeout, a deadlock, two instances inserting the same
 * contact during a rebalance, an outage).
 */
@ApplicationScoped
public class ChangeIngestService {

    private static final Comparator<ContactKey> KEY_ORDER = Comparator.comparing(ContactKey::accountId)
            .thenComparing(ContactKey::email);

    private final Pool pool;
    private final LedgerRepository ledger;
    private final ScheduleRepository schedules;
    private final AccountWindowRepository accounts;
    private final Clock clock;
    private final SyncWorkerConfig config;
    private final WorkerMetrics metrics;

    public ChangeIngestService(Pool pool, LedgerRepository ledger, ScheduleRepository schedules,
            AccountWindowRepository accounts, Clock clock, SyncWorkerConfig config, WorkerMetrics metrics) {
        this.pool = pool;
        this.ledger = ledger;
        this.schedules = schedules;
        this.accounts = accounts;
        this.clock = clock;
        this.config = config;
        this.metrics = metrics;
    }

    /** @return one outcome per change, in the given order */
    public Uni<List<ApplyOutcome>> ingest(List<PollCoalescing.Change> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return pool.withTransaction(conn -> apply(conn, changes)).invoke(outcomes -> outcomes.forEach(metrics::changeIn));
    }

    private Uni<List<ApplyOutcome>> apply(SqlConnection conn, List<PollCoalescing.Change> changes) {
        Instant now = clock.instant();
        // Sorted: every transaction takes its row locks in the same order.
        TreeSet<String> accountIds = new TreeSet<>();
        TreeSet<ContactKey> keys = new TreeSet<>(KEY_ORDER);
        for (PollCoalescing.Change c : changes) {
            accountIds.add(c.change().accountId());
            keys.add(c.change().contactKey());
        }
        return accounts.anchors(conn, accountIds, now)
                .chain(anchors -> ledger.lockAll(conn, keys).chain(stored -> {
                    PollCoalescing.Result folded = PollCoalescing.fold(stored, changes, now);
                    List<ContactUpdate> inserts = new ArrayList<>();
                    List<ContactUpdate> updates = new ArrayList<>();
                    for (ContactUpdate u : folded.updates()) {
                        (u.stored() ? updates : inserts).add(u);
                    }
                    return ledger.insertAll(conn, inserts, now)
                            .chain(() -> ledger.updateAll(conn, updates, now))
                            .chain(() -> schedules.scheduleAll(conn, due(folded.updates(), anchors, now)))
                            .replaceWith(folded.outcomes());
                }));
    }

    /**
     * A pending contact always has a regular window ahead; a first-enable one also a short one. One
     * entry per (account, partition), sorted, with the earliest first-enable end among its contacts.
     */
    private List<Due> due(List<ContactUpdate> updates, Map<String, Instant> anchors, Instant now) {
        Map<String, Map<Integer, Instant[]>> byKey = new TreeMap<>();
        for (ContactUpdate u : updates) {
            ContactLedger l = u.ledger();
            if (!l.pending()) {
                continue;
            }
            String account = u.key().accountId();
            Instant[] due = byKey.computeIfAbsent(account, a -> new TreeMap<>()).computeIfAbsent(u.partition(),
                    p -> new Instant[] {WindowRules.nextRegularEnd(anchors.get(account), config.windows().regular(), now), null});
            if (l.firstEnablePending()) {
                Instant end = WindowRules.firstEnableEnd(l.firstEnableSince(), config.windows().firstEnable());
                if (due[1] == null || end.isBefore(due[1])) {
                    due[1] = end;
                }
            }
        }
        List<Due> out = new ArrayList<>();
        byKey.forEach((account, partitions) -> partitions.forEach((partition, due) ->
                out.add(new Due(account, partition, due[0], due[1]))));
        return out;
    }
}
