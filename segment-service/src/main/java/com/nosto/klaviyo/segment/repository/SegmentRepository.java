package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Segment;
import com.nosto.klaviyo.segment.domain.SyncedView;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

@ApplicationScoped
public class SegmentRepository implements PanacheRepositoryBase<Segment, Segment.Key> {

    public Uni<List<Segment>> listByAccount(String accountId) {
        return list("key.accountId = ?1 order by key.segmentId", accountId);
    }

    /** Name and sync switch of every defined segment of the account, by segment id. */
    public Uni<Map<String, SyncedView.Definition>> definitions(String accountId) {
        return listByAccount(accountId).map(l -> l.stream().collect(Collectors.toMap(
                s -> s.key.segmentId(), s -> new SyncedView.Definition(s.name, s.syncEnabled))));
    }
}
