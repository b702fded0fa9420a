package com.nosto.klaviyo.common.messaging;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One runner at a time across every replica, through PostgreSQL advisory locks taken in the transaction that does
 * the work ({@code pg_try_advisory_xact_lock}): the lock is released by the commit or rollback that ends the work,
 * and by the server when the holder's connection dies (a killed pod, a failover), so ownership moves to the next
 * replica that tries, with no lease to renew and nothing to clean up. A replica that does not get the lock skips
 * the round. Lock keys are 64-bit hashes of a name ({@code "segment-service/outbox-relay"}).
 */
public final class AdvisoryLocks {

    /** Native SQL for Hibernate Reactive sessions: one positional parameter, the key. */
    public static final String TRY_TRANSACTION_LOCK_SQL = "select pg_try_advisory_xact_lock(?1)";

    private AdvisoryLocks() {
    }

    /** The lock key of a name: the first 8 bytes of its SHA-256. */
    public static long key(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(("nks:" + name).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** Tries the lock of {@code name} for the transaction {@code conn} is in; true when this transaction holds it. */
    public static Uni<Boolean> tryTransactionLock(SqlConnection conn, String name) {
        return conn.preparedQuery("select pg_try_advisory_xact_lock($1)").execute(Tuple.of(key(name)))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }
}
