package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Tombstone;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;

/** Tombstones as plain rows, read within the caller's transaction (written by {@link IngestRepository}). */
@ApplicationScoped
public class TombstoneRepository {

    /**
     * The tombstones among the given key hashes, read as plain rows: detached objects that nothing flushes;
     * the caller writes its changes back ({@link IngestRepository}).
     */
    public Uni<List<Tombstone>> findAll(Collection<String> hashes) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select t.key_hash, t.account_id, " + Rows.micros("t.deleted_at")
                        + ", t.version from {h-schema}contact_tombstone t where t.key_hash = any(cast(:h as text[]))", Object[].class)
                .setParameter("h", hashes.toArray(String[]::new)).getResultList())
                .map(rows -> rows.stream().map(r -> {
                    return Tombstone.of(((String) r[0]).trim(), (String) r[1], Rows.instant(r[2]), ((Number) r[3]).longValue());
                }).toList());
    }
}
