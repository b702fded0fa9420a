package com.nosto.klaviyo.segment.rest;

import com.nosto.klaviyo.common.ratelimit.RateLimited;
import com.nosto.klaviyo.common.rest.OpenApiProblems;
import com.nosto.klaviyo.common.security.AccountAccess;
import com.nosto.klaviyo.segment.service.SegmentService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /api/accounts/{accountId}/resync} (operators only): re-emits the current synced state of every contact
 * of the account (cause RESYNC), changed or not, so a full resync needs no topic surgery.
 */
@Path("/api/accounts/{accountId}/resync")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
public class ResyncResource {

    public record ResyncAccepted(long jobId, String accountId) {
    }

    private final SegmentService segments;

    public ResyncResource(SegmentService segments) {
        this.segments = segments;
    }

    @POST
    @RolesAllowed(AccountAccess.SRE_ROLE)
    @RateLimited("resync")
    @Operation(summary = "Resync an account (operators only)", description = "Re-emits the synced state of every contact"
            + " of the account, changed or not; the job runs in the background.")
    @APIResponse(responseCode = "202", description = "The resync job was started.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ResyncAccepted.class)))
    @APIResponse(responseCode = "429", ref = OpenApiProblems.TOO_MANY_REQUESTS)
    public Uni<Response> resync(@PathParam("accountId") String accountId) {
        return segments.resync(accountId).map(jobId -> Response.accepted(new ResyncAccepted(jobId, accountId)).build());
    }
}
