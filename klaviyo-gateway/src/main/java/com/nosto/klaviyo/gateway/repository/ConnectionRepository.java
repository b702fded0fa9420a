package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.repository.entity.KlaviyoConnectionEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

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
        return tx.inTransaction(() -> findById(c.accountId()).chain(existing -> {
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
            return existing != null ? Uni.createFrom().voidItem() : persist(e).replaceWithVoid();
        }));
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
