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
     * the caller writes its changes back ({@link IngestRepository}).
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
}
