package com.nosto.klaviyo.segment.rest;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.domain.FanoutJob;
import com.nosto.klaviyo.segment.domain.Segment;
import com.nosto.klaviyo.segment.repository.MembershipRepository;
import com.nosto.klaviyo.segment.repository.SegmentRepository;
import com.nosto.klaviyo.segment.service.FanoutService;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Segments of an account: define or rename, switch sync on/off, list. A change that affects what
 * downstream sees (sync switched, a synced segment renamed) commits together with a fan-out job;
 * the members' changes are then emitted page by page by {@link FanoutService}. Both take the account's
 * definitions lock first ({@link SegmentRepository#lockDefinitionsForChange}), so events being applied
 * under the old definitions commit before the fan-out starts reading members.
 */
@Path("/api/accounts/{accountId}/segments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SegmentResource {

    public record SegmentRequest(String name) {
    }

    public record SyncRequest(Boolean enabled) {
    }

    public record SegmentView(String segmentId, String name, boolean syncEnabled, Instant firstEnabledAt, long memberCount) {
        static SegmentView of(Segment s, long members) {
            return new SegmentView(s.key.segmentId(), s.name, s.syncEnabled, s.firstEnabledAt, members);
        }
    }

    @Inject
    SegmentRepository segments;
    @Inject
    MembershipRepository memberships;
    @Inject
    FanoutService fanout;
    @Inject
    SegmentServiceConfig config;

    @PUT
    @Path("{segmentId}")
    public Uni<SegmentView> put(@PathParam("accountId") String accountId, @PathParam("segmentId") String segmentId,
            SegmentRequest request) {
        if (request == null || request.name() == null || request.name().isBlank()) {
            throw new IllegalArgumentException("name is required");
        }
        String name = request.name().strip();
        if (name.length() > config.ingest().maxSegmentNameLength()) {
            throw new IllegalArgumentException("name is longer than " + config.ingest().maxSegmentNameLength() + " characters");
        }
        checkSegmentId(segmentId);
        Instant now = Instant.now();
        return Panache.withTransaction(() -> segments.lockDefinitionsForChange(accountId)
                .chain(() -> segments.findById(new Segment.Key(accountId, segmentId)))
                .chain(existing -> {
                    if (existing == null) {
                        return segments.persist(Segment.create(accountId, segmentId, name, now));
                    }
                    boolean renamed = !existing.name.equals(name);
                    existing.name = name;
                    existing.updatedAt = now;
                    // Only a synced segment's name reaches Klaviyo (G3: a rename reaches every member's properties).
                    return renamed && existing.syncEnabled
                            ? fanout.enqueue(FanoutJob.of(accountId, segmentId, ChangeCause.Kind.RENAME, false, now)).replaceWith(existing)
                            : Uni.createFrom().item(existing);
                }))
                .invoke(fanout::kick)
                .chain(s -> memberCount(accountId, segmentId).map(n -> SegmentView.of(s, n)));
    }

    @PUT
    @Path("{segmentId}/sync")
    public Uni<SegmentView> sync(@PathParam("accountId") String accountId, @PathParam("segmentId") String segmentId,
            SyncRequest request) {
        if (request == null || request.enabled() == null) {
            throw new IllegalArgumentException("enabled (true or false) is required");
        }
        boolean enable = request.enabled();
        Instant now = Instant.now();
        return Panache.withTransaction(() -> segments.lockDefinitionsForChange(accountId)
                .chain(() -> segments.findById(new Segment.Key(accountId, segmentId)))
                .chain(s -> {
                    if (s == null) {
                        throw new NotFoundException("Segment '" + segmentId + "' is not defined; PUT it with a name first.");
                    }
                    if (s.syncEnabled == enable) {
                        return Uni.createFrom().item(s); // idempotent: nothing changes downstream
                    }
                    s.syncEnabled = enable;
                    s.updatedAt = now;
                    boolean first = enable && s.firstEnabledAt == null;
                    if (first) {
                        s.firstEnabledAt = now;
                    }
                    ChangeCause.Kind kind = enable ? ChangeCause.Kind.SYNC_ENABLED : ChangeCause.Kind.SYNC_DISABLED;
                    return fanout.enqueue(FanoutJob.of(accountId, segmentId, kind, first, now)).replaceWith(s);
                }))
                .invoke(fanout::kick)
                .chain(s -> memberCount(accountId, segmentId).map(n -> SegmentView.of(s, n)));
    }

    @GET
    @WithSession
    public Uni<List<SegmentView>> list(@PathParam("accountId") String accountId) {
        return segments.listByAccount(accountId).chain(list -> memberships.countBySegment(accountId)
                .map(counts -> list.stream().map(s -> SegmentView.of(s, counts.getOrDefault(s.key.segmentId(), 0L))).toList()));
    }

    private Uni<Long> memberCount(String accountId, String segmentId) {
        return Panache.withSession(() -> memberships.countBySegment(accountId))
                .map((Map<String, Long> counts) -> counts.getOrDefault(segmentId, 0L));
    }

    private void checkSegmentId(String segmentId) {
        if (segmentId.isBlank() || segmentId.length() > config.ingest().maxSegmentIdLength()) {
            throw new IllegalArgumentException("segmentId must be 1-" + config.ingest().maxSegmentIdLength() + " characters");
        }
    }
}
