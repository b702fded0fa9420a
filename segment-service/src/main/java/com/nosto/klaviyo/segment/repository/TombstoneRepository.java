package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Tombstone;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class TombstoneRepository implements PanacheRepositoryBase<Tombstone, String> {

    /** The tombstones among the given key hashes, as managed entities (what {@code findById} reads, for many at once). */
    public Uni<List<Tombstone>> findAll(Collection<String> hashes) {
        return getSession().chain(s -> s.createNativeQuery("select t.* from {h-schema}contact_tombstone t"
                        + " where t.key_hash = any(cast(:h as text[]))", Tombstone.class)
                .setParameter("h", hashes.toArray(String[]::new)).getResultList());
    }
}
