package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.domain.Waiting;
import com.nosto.klaviyo.gateway.repository.entity.AccountLeaseEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * account_lease rows. Expiry is always the database's time ({@code now()}), so the replicas' clocks never decide who
 * holds an account. Every statement is native: each is one atomic decision (take, renew, give back). Public methods are
 * one transaction each (see {@link Transactions}); package-private ones run in the caller's.
 */
@ApplicationScoped
public class AccountLeaseRepository implements PanacheRepositoryBase<AccountLeaseEntity, String> {

    /** Waiting kinds with a backoff that arriving batches must not cut short. */
    private static final java.util.Set<String> BACKOFF_KINDS = java.util.Set.of(Waiting.KLAVIYO_UNAVAILABLE, Waiting.KEY_UNREADABLE);

    private final Transactions tx;

    public AccountLeaseRepository(Transactions tx) {
        this.tx = tx;
    }

    /**
     * A lease just granted: its row's holder token and what was saved with it (the pacing state and the waiting kind,
     * empty strings for none, and the consecutive failures).
     */
    public record Granted(String accountId, String holder, String pacerState, String waitingKind, int failures) {

        static Granted of(Object[] row) {
            return new Granted((String) row[0], (String) row[1], (String) row[2], (String) row[3],
                    Integer.parseInt((String) row[4]));
        }
    }

    /**
     * Takes the account's lease for {@code holder} when it is free or expired: one statement, so two replicas can never
     * both take it. Empty when another replica holds it.
     */
    public Uni<Optional<Granted>> acquire(String accountId, String holder, Duration ttl) {
        return tx.inTransaction(() -> getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}account_lease AS l (account_id, holder, expires_at, taken_at)
                        VALUES (:a, :h, now() + make_interval(secs => cast(:ttl as double precision)), clock_timestamp())
                        ON CONFLICT (account_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                            taken_at = EXCLUDED.taken_at
                        WHERE l.holder IS NULL OR l.expires_at < now()""")
                .setParameter("a", accountId).setParameter("h", holder).setParameter("ttl", seconds(ttl)).executeUpdate()
                .chain(taken -> taken == 0 ? Uni.createFrom().item(Optional.<Granted>empty())
                        : s.createNativeQuery("""
                                SELECT account_id, holder, coalesce(pacer_state, ''), coalesce(waiting_kind, ''),
                                    cast(failures as text)
                                FROM {h-schema}account_lease WHERE account_id = :a""", Object[].class)
                                .setParameter("a", accountId).getSingleResult()
                                .map(r -> Optional.of(Granted.of(r))))));
    }

    /**
     * Takes the leases of up to {@code max} accounts that are due and free (or expired), least recently served first,
     * leaving out {@code exclude}: one statement, each lease for its own holder token {@code instance/<uuid>}. A row
     * another transaction has locked at that moment (another replica taking or giving back that lease, a poll waking
     * the account) is skipped, not waited for, so replicas claiming at once take different accounts without queueing
     * behind each other; a skipped account is due again at the next round.
     */
    public Uni<List<Granted>> claimDue(String instance, int max, Collection<String> exclude, Duration ttl) {
        return tx.inTransaction(() -> getSession().chain(s -> s.createNativeQuery("""
                        WITH due AS (
                            SELECT account_id FROM {h-schema}account_lease
                            WHERE not_before <= now() AND (holder IS NULL OR expires_at < now())
                                AND NOT (account_id = ANY (cast(:x as text[])))
                            ORDER BY turn_ended_at NULLS FIRST, account_id LIMIT :n
                            FOR UPDATE SKIP LOCKED),
                        taken AS (
                            UPDATE {h-schema}account_lease l SET holder = :i || '/' || cast(gen_random_uuid() as text),
                                expires_at = now() + make_interval(secs => cast(:ttl as double precision)),
                                taken_at = clock_timestamp()
                            FROM due WHERE l.account_id = due.account_id
                            RETURNING l.account_id, l.holder, l.pacer_state, l.waiting_kind, l.failures, l.turn_ended_at)
                        SELECT account_id, holder, coalesce(pacer_state, ''), coalesce(waiting_kind, ''), cast(failures as text)
                        FROM taken ORDER BY turn_ended_at NULLS FIRST, account_id""", Object[].class)
                .setParameter("x", exclude.toArray(String[]::new)).setParameter("n", max).setParameter("i", instance)
                .setParameter("ttl", seconds(ttl)).getResultList()))
                .map(rows -> rows.stream().map(Granted::of).toList());
    }

    /** Extends the lease if {@code holder} still holds it, saving its pacing state; true when it does. */
    public Uni<Boolean> renew(String holder, String pacerState, Duration ttl) {
        return tx.inTransaction(() -> getSession().chain(s -> s.createNativeQuery("""
                        UPDATE {h-schema}account_lease SET expires_at = now() + make_interval(secs => cast(:ttl as double precision)),
                            pacer_state = :p
                        WHERE holder = :h""")
                .setParameter("h", holder).setParameter("p", pacerState).setParameter("ttl", seconds(ttl)).executeUpdate()))
                .map(n -> n > 0);
    }

    /**
     * Gives the lease back, saving the pacing state, when to look at the account again ({@code notBefore}: null = at
     * once; {@code never}: not until batches arrive or it connects) and what it waits for. Batches that arrived during
     * the turn (a wake after the lease was taken) make it due at once, unless it waits out a backoff. Ends its turn:
     * accounts served least recently are taken first.
     */
    public Uni<Integer> release(String accountId, String holder, String pacerState, Duration notBefore, boolean never,
            Waiting waiting, int failures) {
        return tx.inTransaction(() -> getSession().chain(s -> s.createNativeQuery("""
                        UPDATE {h-schema}account_lease SET holder = NULL, expires_at = NULL, pacer_state = :p, turn_ended_at = now(),
                            not_before = CASE WHEN cast(:wakeable as boolean) AND woken_at >= taken_at THEN '-infinity'::timestamptz
                                              WHEN cast(:never as boolean) THEN 'infinity'::timestamptz
                                              WHEN cast(:nb as double precision) < 0 THEN '-infinity'::timestamptz
                                              ELSE now() + make_interval(secs => cast(:nb as double precision)) END,
                            waiting_kind = :k, waiting_reason = :r, failures = :f
                        WHERE account_id = :a AND holder = :h""")
                .setParameter("a", accountId).setParameter("h", holder).setParameter("p", pacerState)
                .setParameter("never", never).setParameter("nb", notBefore == null ? -1.0 : seconds(notBefore))
                .setParameter("wakeable", waiting == null || !BACKOFF_KINDS.contains(waiting.kind()))
                .setParameter("k", waiting == null ? null : waiting.kind())
                .setParameter("r", waiting == null ? null : truncate(waiting.reason()))
                .setParameter("f", failures).executeUpdate()));
    }

    /**
     * New batches arrived for these accounts: look at them again at once, unless they wait out a Klaviyo failure or an
     * unreadable key (a backoff that arrivals must not cut short). {@code woken_at} is the statement's clock: a turn whose
     * lease was taken before it may not have seen these batches, so its release leaves the account due. Accounts in a
     * fixed order, so two writers never deadlock.
     */
    Uni<Void> wake(Collection<String> accountIds) {
        String[] accounts = accountIds.stream().distinct().sorted().toArray(String[]::new);
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}account_lease AS l (account_id)
                        SELECT unnest(cast(:a as text[]))
                        ON CONFLICT (account_id) DO UPDATE SET woken_at = clock_timestamp(),
                            not_before = CASE WHEN l.waiting_kind IN ('KLAVIYO_UNAVAILABLE', 'KEY_UNREADABLE') THEN l.not_before
                                              ELSE '-infinity'::timestamptz END""")
                .setParameter("a", accounts).executeUpdate()).replaceWithVoid();
    }

    /** The account was connected again: whatever it waited for, look at it at once. */
    public Uni<Void> resume(String accountId) {
        return tx.inTransaction(() -> getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}account_lease AS l (account_id) VALUES (:a)
                        ON CONFLICT (account_id) DO UPDATE SET not_before = '-infinity', waiting_kind = NULL, waiting_reason = NULL,
                            failures = 0""")
                .setParameter("a", accountId).executeUpdate())).replaceWithVoid();
    }

    /** Locks the lease row if {@code holder} still holds it unexpired: the fence of a chunk's commit. */
    Uni<Boolean> stillHeld(String accountId, String holder) {
        return getSession().chain(s -> s.createNativeQuery("""
                        SELECT account_id FROM {h-schema}account_lease
                        WHERE account_id = :a AND holder = :h AND expires_at > now() FOR UPDATE""", String.class)
                .setParameter("a", accountId).setParameter("h", holder).getResultList()).map(rows -> !rows.isEmpty());
    }

    public Uni<Optional<Waiting>> waiting(String accountId) {
        return tx.inSession(() -> getSession().chain(s -> s.createNativeQuery("""
                        SELECT waiting_kind, waiting_reason,
                            CASE WHEN not_before IN ('infinity', '-infinity') OR not_before <= now() THEN NULL ELSE not_before END
                        FROM {h-schema}account_lease WHERE account_id = :a AND waiting_kind IS NOT NULL""", Object[].class)
                .setParameter("a", accountId).getResultList())).map(rows -> rows.isEmpty() ? Optional.<Waiting>empty()
                        : Optional.of(new Waiting((String) rows.get(0)[0], (String) rows.get(0)[1],
                                rows.get(0)[2] == null ? null : Columns.instant(rows.get(0)[2]))));
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private static String truncate(String s) {
        return s == null ? null : s.length() > 1000 ? s.substring(0, 1000) : s;
    }
}
