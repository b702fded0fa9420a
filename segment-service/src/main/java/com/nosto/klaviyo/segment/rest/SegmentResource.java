package com.nosto.klaviyo.segment.rest;

import com.nosto.klaviyo.common.ratelimit.RateLimited;
import com.nosto.klaviyo.segment.domain.SyncPreview;
import com.nosto.klaviyo.segment.service.SegmentService.SegmentSummary;
import com.nosto.klaviyo.segment.service.SegmentService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Segments of an account over HTTP: define or rename, preview and switch sync on/off, list ({@link SegmentService} does the work). */
@Path("/api/accounts/{accountId}/segments")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SegmentResource {

    public record SegmentRequest(String name) {
    }

    public record SyncRequest(Boolean enabled) {
    }

    private final SegmentService segments;

    public SegmentResource(SegmentService segments) {
        this.segments = segments;
    }

    @PUT
    @Path("{segmentId}")
    @RateLimited("segment-changes")
    public Uni<SegmentSummary> put(@PathParam("accountId") String accountId, @PathParam("segmentId") String segmentId,
            SegmentRequest request) {
        return segments.define(accountId, segmentId, request == null ? null : request.name());
    }

    @PUT
    @Path("{segmentId}/sync")
    @RateLimited("segment-changes")
    public Uni<SegmentSummary> sync(@PathParam("accountId") String accountId, @PathParam("segmentId") String segmentId,
            SyncRequest request) {
        if (request == null || request.enabled() == null) {
            throw new IllegalArgumentException("enabled (true or false) is required");
        }
        return segments.switchSync(accountId, segmentId, request.enabled()).onItem().ifNull().failWith(() ->
                new NotFoundException("Segment '" + segmentId + "' is not defined; PUT it with a name first."));
    }

    /** What {@code PUT {segmentId}/sync} with {@code enabled} would do in Klaviyo; changes nothing. */
    @GET
    @Path("{segmentId}/sync/preview")
    @RateLimited("segment-changes")
    public Uni<SyncPreview> preview(@PathParam("accountId") String accountId, @PathParam("segmentId") String segmentId,
            @QueryParam("enabled") @DefaultValue("true") String enabled) {
        if (!"true".equals(enabled) && !"false".equals(enabled)) {
            throw new IllegalArgumentException("enabled must be true or false");
        }
        return segments.previewSync(accountId, segmentId, Boolean.parseBoolean(enabled)).onItem().ifNull().failWith(() ->
                new NotFoundException("Segment '" + segmentId + "' is not defined; PUT it with a name first."));
    }

    @GET
    public Uni<List<SegmentSummary>> list(@PathParam("accountId") String accountId) {
        return segments.list(accountId);
    }
}
