package com.nosto.klaviyo.segment.rest;

import com.nosto.klaviyo.segment.domain.Segment;
import com.nosto.klaviyo.segment.repository.SegmentRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;

/** Segments of an account: define or rename, list. */
@Path("/api/accounts/{accountId}/segments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SegmentResource {

    public record SegmentRequest(String name) {
    }

    public record SegmentView(String segmentId, String name, boolean syncEnabled, Instant firstEnabledAt) {
        static SegmentView of(Segment s) {
            return new SegmentView(s.key.segmentId(), s.name, s.syncEnabled, s.firstEnabledAt);
        }
    }

    @Inject
    SegmentRepository segments;

    @PUT
    @Path("{segmentId}")
    @WithTransaction
    public Uni<SegmentView> put(@PathParam("accountId") String accountId, @PathParam("segmentId") String segmentId,
            SegmentRequest request) {
        if (request == null || request.name() == null || request.name().isBlank()) {
            throw new IllegalArgumentException("name is required");
        }
        Instant now = Instant.now();
        return segments.findById(new Segment.Key(accountId, segmentId))
                .onItem().ifNull().switchTo(() -> segments.persist(Segment.create(accountId, segmentId, request.name(), now)))
                .invoke(s -> {
                    s.name = request.name();
                    s.updatedAt = now;
                })
                .map(SegmentView::of);
    }

    @GET
    @WithSession
    public Uni<List<SegmentView>> list(@PathParam("accountId") String accountId) {
        return segments.listByAccount(accountId).map(l -> l.stream().map(SegmentView::of).toList());
    }
}
