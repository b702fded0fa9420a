package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Tombstone;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class TombstoneRepository implements PanacheRepositoryBase<Tombstone, String> {

    /**
     * The tombstones among the given key hashes, read as plain rows: detached objects that nothing flushes;
     * the caller writes its changes back with {@link #upsert} and {@link #deleteHashes}.
     */
    public Uni<List<Tombstone>> findAll(Collection<String> hashes) {
        return getSession().chain(s -> s.createNativeQuery("select t.key_hash, t.account_id, " + Rows.micros("t.deleted_at")
                        + ", t.version from {h-schema}contact_tombstone t where t.key_hash = any(cast(:h as text[]))", Object[].class)
                .setParameter("h", hashes.toArray(String[]::new)).getResultList())
                .map(rows -> rows.stream().map(r -> {
                    Tombstone t = new Tombstone();
                    t.keyHash = ((String) r[0]).trim();
                    t.accountId = (String) r[1];
                    t.deletedAt = Rows.instant(r[2]);
                    t.version = ((Number) r[3]).longValue();
                    return t;
                }).toList());
    }

    /** Inserts the given tombstones, or overwrites those stored under the same hash: one statement. */
    public Uni<Void> upsert(List<Tombstone> rows) {
        if (rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return getSession().chain(s -> s.createNativeQuery("insert into {h-schema}contact_tombstone"
                        + " (key_hash, account_id, deleted_at, version)"
                        + " select h, a, cast(d as timestamptz), v from unnest(cast(:h as text[]), cast(:a as text[]),"
                        + " cast(:d as text[]), cast(:v as bigint[])) as t(h, a, d, v)"
                        + " on conflict (key_hash) do update set account_id = excluded.account_id,"
                        + " deleted_at = excluded.deleted_at, version = excluded.version")
                .setParameter("h", rows.stream().map(t -> t.keyHash).toArray(String[]::new))
                .setParameter("a", rows.stream().map(t -> t.accountId).toArray(String[]::new))
                .setParameter("d", rows.stream().map(t -> Rows.text(t.deletedAt)).toArray(String[]::new))
                .setParameter("v", rows.stream().map(t -> t.version).toArray(Long[]::new))
                .executeUpdate()).replaceWithVoid();
    }

    /** Deletes the tombstones with the given key hashes, in one statement. */
    public Uni<Void> deleteHashes(Collection<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return getSession().chain(s -> s.createNativeQuery("delete from {h-schema}contact_tombstone"
                        + " where key_hash = any(cast(:h as text[]))")
                .setParameter("h", hashes.toArray(String[]::new)).executeUpdate()).replaceWithVoid();
    }
}
