package com.nosto.klaviyo.segment.rest;

import com.nosto.klaviyo.common.ratelimit.RateLimited;
import com.nosto.klaviyo.common.rest.OpenApiProblems;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Segments of an account over HTTP: define or rename, preview and switch sync on/off, list ({@link SegmentService} does the work). */
@Path("/api/accounts/{accountId}/segments")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Segments")
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
    @Operation(summary = "Define or rename a segment", description = "Creates the segment with its sync off, or renames it.")
    @APIResponse(responseCode = "200", description = "The segment as stored.")
    @APIResponse(responseCode = "429", ref = OpenApiProblems.TOO_MANY_REQUESTS)
    public Uni<SegmentSummary> put(@PathParam("accountId") String accountId, @PathParam("segmentId") String segmentId,
            SegmentRequest request) {
        return segments.define(accountId, segmentId, request == null ? null : request.name());
    }

    @PUT
    @Path("{segmentId}/sync")
    @RateLimited("segment-changes")
    @Operation(summary = "Switch a segment's sync on or off", description = "The first switch on releases its members"
            + " within the first-enable window; switching off removes them from Klaviyo's list at the next release.")
    @APIResponse(responseCode = "200", description = "The segment as stored.")
    @APIResponse(responseCode = "404", ref = OpenApiProblems.NOT_FOUND, description = "The segment is not defined.")
    @APIResponse(responseCode = "429", ref = OpenApiProblems.TOO_MANY_REQUESTS)
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
    @Operation(summary = "Preview switching a segment's sync on or off",
            description = "What PUT {segmentId}/sync with the same switch would add to or remove from the Klaviyo list and which"
                    + " profiles' properties it would change. Changes nothing.")
    @APIResponse(responseCode = "200", description = "Counts and a sample of what the switch would do.")
    @APIResponse(responseCode = "400", ref = OpenApiProblems.BAD_REQUEST)
    @APIResponse(responseCode = "404", ref = OpenApiProblems.NOT_FOUND)
    @APIResponse(responseCode = "429", ref = OpenApiProblems.TOO_MANY_REQUESTS)
    public Uni<SyncPreview> preview(@PathParam("accountId") String accountId, @PathParam("segmentId") String segmentId,
            @QueryParam("enabled") @DefaultValue("true") String enabled) {
        if (!"true".equals(enabled) && !"false".equals(enabled)) {
            throw new IllegalArgumentException("enabled must be true or false");
        }
        return segments.previewSync(accountId, segmentId, Boolean.parseBoolean(enabled)).onItem().ifNull().failWith(() ->
                new NotFoundException("Segment '" + segmentId + "' is not defined; PUT it with a name first."));
    }

    @GET
    @Operation(summary = "List the account's segments")
    @APIResponse(responseCode = "200", description = "Every segment of the account with its sync switch and member count.")
    public Uni<List<SegmentSummary>> list(@PathParam("accountId") String accountId) {
        return segments.list(accountId);
    }
}
