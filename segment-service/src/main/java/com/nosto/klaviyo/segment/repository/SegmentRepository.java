package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Segment;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class SegmentRepository implements PanacheRepositoryBase<Segment, Segment.Key> {

    public Uni<List<Segment>> listByAccount(String accountId) {
        return list("key.accountId = ?1 order by key.segmentId", accountId);
    }
}
