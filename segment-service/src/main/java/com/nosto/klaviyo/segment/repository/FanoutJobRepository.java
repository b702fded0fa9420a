package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.FanoutJob;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class FanoutJobRepository implements PanacheRepositoryBase<FanoutJob, Long> {

    /** The oldest job no other transaction holds (several instances share the work), locked; null when none. */
    public Uni<FanoutJob> claimNext() {
        return getSession()
                .chain(s -> s.createNativeQuery("select id from {h-schema}fanout_job order by id limit 1 for update skip locked", Long.class)
                        .getResultList())
                .chain(ids -> ids.isEmpty() ? Uni.createFrom().nullItem() : findById(((Number) ids.get(0)).longValue()));
    }

    public Uni<List<FanoutJob>> pending(String accountId) {
        return list("accountId = ?1 order by id", accountId);
    }
}
