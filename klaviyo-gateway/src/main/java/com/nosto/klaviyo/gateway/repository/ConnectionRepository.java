package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.repository.entity.KlaviyoConnectionEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;

/** klaviyo_connection rows. Every public method is one session/transaction of its own (see {@link Transactions}). */
@ApplicationScoped
public class ConnectionRepository implements PanacheRepositoryBase<KlaviyoConnectionEntity, String> {

    private final Transactions tx;

    public ConnectionRepository(Transactions tx) {
        this.tx = tx;
    }

    public Uni<Optional<Connection>> find(String accountId) {
        return tx.inSession(() -> findById(accountId)).map(e -> Optional.ofNullable(e).map(KlaviyoConnectionEntity::toConnection));
    }

    /** Insert or replace the connection; an existing row keeps its last_sync_at (a reconnect is not a sync). */
    public Uni<Void> upsert(Connection c) {
        return tx.inTransaction(() -> save(c));
    }

    /** {@link #upsert} in the caller's transaction. */
    Uni<Void> save(Connection c) {
        return findById(c.accountId()).chain(existing -> {
            KlaviyoConnectionEntity e = existing != null ? existing : new KlaviyoConnectionEntity();
            if (existing == null) {
                e.accountId = c.accountId();
                e.lastSyncAt = c.lastSyncAt();
            }
            e.keyId = c.keyId();
            e.encryptedKey = c.encryptedKey();
            e.keyLast4 = c.keyLast4();
            e.listId = c.listId();
            e.listName = c.listName();
            e.status = c.status();
            e.statusReason = c.statusReason();
            e.connectedAt = c.connectedAt();
            e.updatedAt = c.updatedAt();
            e.klaviyoAccountId = c.klaviyoAccountId();
            return existing != null ? Uni.createFrom().voidItem() : persist(e).replaceWithVoid();
        });
    }

    /** Connections per key-encryption key id (one SQL count). */
    public Uni<Map<String, Long>> countByKeyId() {
        return tx.inSession(() -> getSession().chain(s -> s.createNativeQuery(
                        "SELECT key_id, count(*) FROM {h-schema}klaviyo_connection GROUP BY key_id", Object[].class).getResultList()))
                .map(rows -> {
                    Map<String, Long> out = new TreeMap<>();
                    rows.forEach(r -> out.put((String) r[0], ((Number) r[1]).longValue()));
                    return out;
                });
    }

    /** What one {@link #reseal} call did: rows claimed, rows re-sealed, and the last account id claimed (the next call's start). */
    public record Resealed(int claimed, int resealed, String lastAccountId) {
    }

    /**
     * Re-seals at most {@code limit} keys sealed under another KEK than {@code activeKeyId} (and one of {@code readable},
     * the KEKs this replica has), of accounts after {@code after} in id order, in one transaction. The rows are claimed
     * with {@code FOR UPDATE SKIP LOCKED}: replicas re-sealing at once take different rows, and a connect saving a key
     * meanwhile waits for the row or is waited for, so each row ends with one whole (key id, sealed key) pair.
     * {@code reseal} gets the account id and the stored form and returns the new one, or null to leave the row as it is.
     */
    public Uni<Resealed> reseal(String activeKeyId, Collection<String> readable, String after, int limit,
            BiFunction<String, KeyCipher.Sealed, KeyCipher.Sealed> reseal) {
        return tx.inTransaction(() -> getSession().chain(s -> s.createNativeQuery("""
                        SELECT account_id, key_id, encrypted_key FROM {h-schema}klaviyo_connection
                        WHERE key_id <> :active AND key_id = ANY(cast(:readable as text[])) AND account_id > :after
                        ORDER BY account_id LIMIT :n FOR UPDATE SKIP LOCKED""", Object[].class)
                .setParameter("active", activeKeyId).setParameter("readable", readable.toArray(new String[0]))
                .setParameter("after", after).setParameter("n", limit).getResultList()
                .chain(rows -> {
                    Uni<Integer> work = Uni.createFrom().item(0);
                    for (Object[] r : rows) {
                        String accountId = (String) r[0];
                        KeyCipher.Sealed sealed = reseal.apply(accountId, new KeyCipher.Sealed((String) r[1], (byte[]) r[2]));
                        if (sealed != null) {
                            work = work.chain(n -> s.createNativeQuery("""
                                            UPDATE {h-schema}klaviyo_connection SET key_id = :k, encrypted_key = :e WHERE account_id = :a""")
                                    .setParameter("k", sealed.keyId()).setParameter("e", sealed.bytes()).setParameter("a", accountId)
                                    .executeUpdate().map(u -> n + u));
                        }
                    }
                    String last = rows.isEmpty() ? after : (String) rows.get(rows.size() - 1)[0];
                    return work.map(n -> new Resealed(rows.size(), n, last));
                })));
    }

    public Uni<Void> updateList(String accountId, String listId, String listName) {
        return tx.inTransaction(() -> update("listId = ?2, listName = ?3, updatedAt = ?4 where accountId = ?1", accountId, listId,
                listName, Instant.now())).replaceWithVoid();
    }

    public Uni<Void> markDisconnected(String accountId, String reason) {
        return tx.inTransaction(() -> update("status = ?2, statusReason = ?3, updatedAt = ?4 where accountId = ?1", accountId,
                Connection.Status.DISCONNECTED, reason, Instant.now())).replaceWithVoid();
    }

    /** Forgets the key and the list; the ledger's profile ids may belong to that Klaviyo account only, so drop them too. */
    public Uni<Boolean> delete(String accountId) {
        return tx.inTransaction(() -> delete("accountId", accountId)
                .call(() -> getSession().chain(s -> s.createMutationQuery(
                                "update ContactLedgerEntity set profileId = null where id.accountId = :a")
                        .setParameter("a", accountId).executeUpdate()))
                .map(deleted -> deleted > 0));
    }
}
