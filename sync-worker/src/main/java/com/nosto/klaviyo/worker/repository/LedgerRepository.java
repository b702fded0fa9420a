package com.nosto.klaviyo.worker.repository;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.worker.domain.ContactLedger;
import com.nosto.klaviyo.worker.domain.MembershipState;
import com.nosto.klaviyo.worker.domain.PollCoalescing.ContactUpdate;
import com.nosto.klaviyo.worker.repository.entity.ContactLedgerEntity;
import com.nosto.klaviyo.worker.repository.entity.StringListConverter;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

@ApplicationScoped
public class LedgerRepository implements PanacheRepositoryBase<ContactLedgerEntity, ContactLedgerEntity.Key> {

    // --- Poll ingest: multi-row statements on the transaction's connection (one round trip each). ---

    private static final String LOCK_ALL = """
            SELECT c.account_id, c.email, c.desired_in_list, c.desired_segment, c.desired_segments, c.desired_version,
                   c.desired_deleted, c.pending, c.pending_since, c.first_enable_pending, c.first_enable_since, c.restate,
                   c.released_in_list, c.released_segment, c.released_segments, c.released_version, c.released_deleted,
                   c.last_event_id
              FROM sync_worker.contact_ledger c
              JOIN unnest($1::text[], $2::text[]) AS k(account_id, email)
                ON c.account_id = k.account_id AND c.email = k.email
             ORDER BY c.account_id, c.email
               FOR UPDATE OF c""";

    /** The columns a change writes; the released state is the release's alone. */
    private static final String CHANGED_COLUMNS = """
            unnest($1::text[], $2::text[], $3::int4[], $4::bool[], $5::text[], $6::text[], $7::int8[], $8::bool[],
                   $9::bool[], $10::timestamptz[], $11::bool[], $12::timestamptz[], $13::bool[], $14::uuid[], $15::text[])
                AS u(account_id, email, source_partition, desired_in_list, desired_segment, desired_segments,
                     desired_version, desired_deleted, pending, pending_since, first_enable_pending,
                     first_enable_since, restate, last_event_id, trace)""";

    private static final String INSERT_ALL = """
            INSERT INTO sync_worker.contact_ledger (account_id, email, source_partition, desired_in_list, desired_segment,
                   desired_segments, desired_version, desired_deleted, pending, pending_since, first_enable_pending,
                   first_enable_since, restate, last_event_id, trace, updated_at)
            SELECT u.*, $16 FROM\s""" + CHANGED_COLUMNS + """

            ON CONFLICT (account_id, email) DO NOTHING""";

    private static final String UPDATE_ALL = """
            UPDATE sync_worker.contact_ledger c
               SET source_partition = u.source_partition, desired_in_list = u.desired_in_list,
                   desired_segment = u.desired_segment, desired_segments = u.desired_segments,
                   desired_version = u.desired_version, desired_deleted = u.desired_deleted, pending = u.pending,
                   pending_since = u.pending_since, first_enable_pending = u.first_enable_pending,
                   first_enable_since = u.first_enable_since, restate = u.restate, last_event_id = u.last_event_id,
                   trace = u.trace, updated_at = $16
              FROM\s""" + CHANGED_COLUMNS + """

             WHERE c.account_id = u.account_id AND c.email = u.email""";

    /**
     * Locks the stored ledgers of the given contacts (one statement, rows locked in key order so two
     * transactions over overlapping contacts cannot deadlock) and returns them; unknown contacts are absent.
     */
    public Uni<Map<ContactKey, ContactLedger>> lockAll(SqlConnection conn, Collection<ContactKey> keys) {
        String[] accounts = keys.stream().map(ContactKey::accountId).toArray(String[]::new);
        String[] emails = keys.stream().map(ContactKey::email).toArray(String[]::new);
        return conn.preparedQuery(LOCK_ALL).execute(Tuple.of(accounts, emails)).map(rows -> {
            Map<ContactKey, ContactLedger> stored = new HashMap<>();
            for (Row r : rows) {
                stored.put(new ContactKey(r.getString("account_id"), r.getString("email")), toLedger(r));
            }
            return stored;
        });
    }

    /**
     * Inserts the ledgers of contacts that had none. Fails with {@link PollWriteConflictException} if
     * another transaction inserted one of them meanwhile, so the poll is folded again over its row.
     */
    public Uni<Void> insertAll(SqlConnection conn, List<ContactUpdate> rows, Instant now) {
        if (rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery(INSERT_ALL).execute(changedColumns(rows, now)).invoke(result -> {
            if (result.rowCount() != rows.size()) {
                throw new PollWriteConflictException((rows.size() - result.rowCount())
                        + " ledger rows were inserted concurrently");
            }
        }).replaceWithVoid();
    }

    /** Writes the new ledgers of contacts whose rows {@link #lockAll} locked. */
    public Uni<Void> updateAll(SqlConnection conn, List<ContactUpdate> rows, Instant now) {
        if (rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery(UPDATE_ALL).execute(changedColumns(rows, now)).invoke(result -> {
            if (result.rowCount() != rows.size()) {
                throw new IllegalStateException("updated " + result.rowCount() + " of " + rows.size() + " locked ledger rows");
            }
        }).replaceWithVoid();
    }

    private static Tuple changedColumns(List<ContactUpdate> rows, Instant now) {
        int n = rows.size();
        String[] accounts = new String[n];
        String[] emails = new String[n];
        Integer[] partitions = new Integer[n];
        Boolean[] inList = new Boolean[n];
        String[] segment = new String[n];
        String[] segments = new String[n];
        Long[] version = new Long[n];
        Boolean[] deleted = new Boolean[n];
        Boolean[] pending = new Boolean[n];
        OffsetDateTime[] pendingSince = new OffsetDateTime[n];
        Boolean[] firstEnable = new Boolean[n];
        OffsetDateTime[] firstEnableSince = new OffsetDateTime[n];
        Boolean[] restate = new Boolean[n];
        UUID[] eventIds = new UUID[n];
        String[] traces = new String[n];
        for (int i = 0; i < n; i++) {
            ContactUpdate u = rows.get(i);
            ContactLedger l = u.ledger();
            MembershipState d = l.desired();
            accounts[i] = u.key().accountId();
            emails[i] = u.key().email();
            partitions[i] = u.partition();
            inList[i] = d.inList();
            segment[i] = d.nostoSegment();
            segments[i] = StringListConverter.toColumn(d.nostoSegments());
            version[i] = d.version();
            deleted[i] = d.deleted();
            pending[i] = l.pending();
            pendingSince[i] = timestamp(l.pendingSince());
            firstEnable[i] = l.firstEnablePending();
            firstEnableSince[i] = timestamp(l.firstEnableSince());
            restate[i] = l.restate();
            eventIds[i] = l.lastEventId();
            traces[i] = u.trace();
        }
        return Tuple.from(new Object[] {accounts, emails, partitions, inList, segment, segments, version, deleted, pending,
                pendingSince, firstEnable, firstEnableSince, restate, eventIds, traces, timestamp(now)});
    }

    private static ContactLedger toLedger(Row r) {
        MembershipState desired = new MembershipState(r.getBoolean("desired_in_list"), r.getString("desired_segment"),
                StringListConverter.fromColumn(r.getString("desired_segments")), r.getLong("desired_version"),
                r.getBoolean("desired_deleted"));
        Long releasedVersion = r.getLong("released_version");
        MembershipState released = releasedVersion == null ? null
                : new MembershipState(Boolean.TRUE.equals(r.getBoolean("released_in_list")), r.getString("released_segment"),
                        StringListConverter.fromColumn(r.getString("released_segments")), releasedVersion,
                        Boolean.TRUE.equals(r.getBoolean("released_deleted")));
        return new ContactLedger(desired, r.getBoolean("pending"), instant(r.getOffsetDateTime("pending_since")),
                r.getBoolean("first_enable_pending"), instant(r.getOffsetDateTime("first_enable_since")), r.getBoolean("restate"),
                released, r.getUUID("last_event_id"));
    }

    public static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    public static Instant instant(OffsetDateTime timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    // --- Row locks and queries of the release (Hibernate Reactive). ---

    /**
     * One page of contacts a window of {@code kind} ending at {@code end} releases, locked. Released rows
     * stop matching, so the caller asks for the first page again until it is empty (bounded heap).
     * A plain FOR UPDATE (not SKIP LOCKED) waits for a concurrent consumer write and then re-checks it.
     * Oldest change first, in exactly the order of the window kind's partial index ({@code contact_ledger_pending},
     * {@code contact_ledger_first_enable}), so a page is read from the index and stops at its size. Ordered by email (or
     * with email as a tie-break), each page sorted every contact still waiting in the partition: 64 ms a page at 75,000
     * waiting instead of 0.5 ms, a release quadratic in the window's size.
     */
    public Uni<List<ContactLedgerEntity>> lockReleasablePage(String accountId, int partition, WindowKind kind, Instant end,
            int size) {
        String query = kind == WindowKind.FIRST_ENABLE
                ? "key.accountId = ?1 and sourcePartition = ?2 and firstEnablePending = true and firstEnableSince <= ?3 order by firstEnableSince"
                : "key.accountId = ?1 and sourcePartition = ?2 and pending = true and pendingSince <= ?3 order by pendingSince";
        return find(query, accountId, partition, end).withLock(LockModeType.PESSIMISTIC_WRITE).page(Page.ofSize(size)).list();
    }

    public Uni<Long> countPending(String accountId, int partition) {
        return count("key.accountId = ?1 and sourcePartition = ?2 and pending = true", accountId, partition);
    }

    public Uni<Instant> earliestFirstEnable(String accountId, int partition) {
        return Panache.getSession().chain(s -> s.createSelectionQuery(
                        "select min(e.firstEnableSince) from ContactLedgerEntity e where e.key.accountId = ?1"
                                + " and e.sourcePartition = ?2 and e.firstEnablePending = true", Instant.class)
                .setParameter(1, accountId).setParameter(2, partition).getSingleResultOrNull());
    }

    /** Pending contacts that wait for the regular window only. */
    public Uni<Long> countRegularPending(String accountId) {
        return count("key.accountId = ?1 and pending = true and firstEnablePending = false", accountId);
    }

    public Uni<Long> countFirstEnablePending(String accountId) {
        return count("key.accountId = ?1 and firstEnablePending = true", accountId);
    }

    public Uni<Long> countAllRegularPending() {
        return count("pending = true and firstEnablePending = false");
    }

    public Uni<Long> countAllFirstEnablePending() {
        return count("firstEnablePending = true");
    }

    /**
     * Deletes at most {@code limit} ledger rows of contacts deleted in Nosto with nothing left to release, last changed
     * before {@code cutoff} (G15); rows another transaction holds are skipped. Returns how many went.
     */
    public Uni<Integer> purgeDeleted(Instant cutoff, int limit) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        DELETE FROM sync_worker.contact_ledger WHERE ctid = ANY(ARRAY(SELECT ctid FROM sync_worker.contact_ledger
                            WHERE desired_deleted AND NOT pending AND NOT first_enable_pending AND NOT restate AND updated_at < :cutoff
                            LIMIT :n FOR UPDATE SKIP LOCKED))""")
                .setParameter("cutoff", timestamp(cutoff)).setParameter("n", limit).executeUpdate());
    }
}
