package com.nosto.klaviyo.worker.rest;

import com.nosto.klaviyo.common.ratelimit.RateLimited;
import com.nosto.klaviyo.common.rest.OpenApiProblems;
import com.nosto.klaviyo.common.security.AccountAccess;
import com.nosto.klaviyo.worker.service.WindowPreview;
import com.nosto.klaviyo.worker.service.WindowService;
import com.nosto.klaviyo.worker.service.WindowStatus;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

/** An account's release windows (G6). Who may call: the annotations; account scope: AccountAccessFilter. */
@Path("/api/accounts/{accountId}/windows")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Windows")
public class WindowResource {

    private final WindowService windows;

    public WindowResource(WindowService windows) {
        this.windows = windows;
    }

    @GET
    @Operation(summary = "The account's release windows", description = "When the regular and the first-enable windows"
            + " are next released and how many contacts wait in each.")
    @APIResponse(responseCode = "200", description = "The windows' state.")
    public Uni<WindowStatus> get(@RestPath String accountId) {
        return windows.status(accountId);
    }

    /** A dry run of the next windows: counts by change kind and a few of the account's emails each, nothing written. */
    @GET
    @Path("/next")
    @Operation(summary = "Preview the next releases", description = "A dry run: counts by change kind and a few of the"
            + " account's emails per window; nothing is written.")
    @APIResponse(responseCode = "200", description = "What the next releases would carry.")
    public Uni<WindowPreview> next(@RestPath String accountId) {
        return windows.preview(accountId);
    }

    /** Release now instead of at the window end: 202, the release runs on each partition's owner. */
    @POST
    @Path("/flush")
    @RolesAllowed(AccountAccess.SRE_ROLE)
    @RateLimited("flush")
    @Operation(summary = "Release now (operators only)", description = "Releases the account's waiting windows now instead"
            + " of at their end; each partition's owner runs the release.")
    @APIResponse(responseCode = "202", description = "The release was started; the windows' state as it was then.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WindowStatus.class)))
    @APIResponse(responseCode = "429", ref = OpenApiProblems.TOO_MANY_REQUESTS)
    public Uni<Response> flush(@RestPath String accountId) {
        return windows.flush(accountId).map(status -> Response.accepted(status).build());
    }

    /**
     * The merchant's "sync now" (admin page): releases the waiting windows like a flush, a few times an hour per
     * account ({@code rate-limit.sync-now}); beyond that 429 with {@code Retry-After}.
     */
    @POST
    @Path("/sync-now")
    @RateLimited("sync-now")
    @Operation(summary = "Sync now (the merchant's)", description = "Releases the waiting windows like a flush, a few times"
            + " an hour per account (rate-limit.sync-now).")
    @APIResponse(responseCode = "202", description = "The release was started; the windows' state as it was then.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WindowStatus.class)))
    @APIResponse(responseCode = "429", ref = OpenApiProblems.TOO_MANY_REQUESTS)
    public Uni<Response> syncNow(@RestPath String accountId) {
        return windows.syncNow(accountId).map(status -> Response.accepted(status).build());
    }
}
