package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.domain.Connection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/** klaviyo_connection rows (plain SQL over the reactive pool: single-statement upserts, no ORM session). */
@ApplicationScoped
public class ConnectionRepository {

    private final Pool pool;

    public ConnectionRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Optional<Connection>> find(String accountId) {
        return pool.preparedQuery("SELECT * FROM klaviyo_gateway.klaviyo_connection WHERE account_id = $1").execute(Tuple.of(accountId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
    }

    public Uni<Void> upsert(Connection c) {
        return pool.preparedQuery("""
                INSERT INTO klaviyo_gateway.klaviyo_connection (account_id, key_id, encrypted_key, key_last4, list_id, list_name, status,
                    status_reason, connected_at, updated_at, last_sync_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (account_id) DO UPDATE SET key_id = EXCLUDED.key_id, encrypted_key = EXCLUDED.encrypted_key,
                    key_last4 = EXCLUDED.key_last4, list_id = EXCLUDED.list_id, list_name = EXCLUDED.list_name,
                    status = EXCLUDED.status, status_reason = EXCLUDED.status_reason,
                    connected_at = EXCLUDED.connected_at, updated_at = EXCLUDED.updated_at""")
                .execute(Sql.tuple(c.accountId(), c.keyId(), io.vertx.core.buffer.Buffer.buffer(c.encryptedKey()),
                        c.keyLast4(), c.listId(), c.listName(), c.status().name(), c.statusReason(),
                        at(c.connectedAt()), at(c.updatedAt()), at(c.lastSyncAt())))
                .replaceWithVoid();
    }

    public Uni<Void> updateList(String accountId, String listId, String listName) {
        return pool.preparedQuery("UPDATE klaviyo_gateway.klaviyo_connection SET list_id = $2, list_name = $3, updated_at = now() WHERE account_id = $1")
                .execute(Tuple.of(accountId, listId, listName)).replaceWithVoid();
    }

    public Uni<Void> markDisconnected(String accountId, String reason) {
        return pool.preparedQuery("""
                UPDATE klaviyo_gateway.klaviyo_connection SET status = 'DISCONNECTED', status_reason = $2, updated_at = now()
                WHERE account_id = $1""").execute(Tuple.of(accountId, reason)).replaceWithVoid();
    }

    /** Forgets the key and the list; the ledger's profile ids may belong to that Klaviyo account only, so drop them too. */
    public Uni<Boolean> delete(String accountId) {
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM klaviyo_gateway.klaviyo_connection WHERE account_id = $1")
                .execute(Tuple.of(accountId))
                .call(() -> conn.preparedQuery("UPDATE klaviyo_gateway.contact_ledger SET profile_id = NULL WHERE account_id = $1")
                        .execute(Tuple.of(accountId)))
                .map(rows -> rows.rowCount() > 0));
    }

    private static Connection map(Row r) {
        return new Connection(r.getString("account_id"), r.getString("key_id"), r.getBuffer("encrypted_key").getBytes(),
                r.getString("key_last4"), r.getString("list_id"), r.getString("list_name"),
                Connection.Status.valueOf(r.getString("status")), r.getString("status_reason"),
                instant(r.getOffsetDateTime("connected_at")), instant(r.getOffsetDateTime("updated_at")),
                instant(r.getOffsetDateTime("last_sync_at")));
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    static OffsetDateTime at(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
