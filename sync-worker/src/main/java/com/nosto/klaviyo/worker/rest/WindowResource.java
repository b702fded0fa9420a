package com.nosto.klaviyo.worker.rest;

import com.nosto.klaviyo.common.ratelimit.RateLimited;
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
import org.jboss.resteasy.reactive.RestPath;

/** An account's release windows (G6). Who may call: the annotations; account scope: AccountAccessFilter. */
@Path("/api/accounts/{accountId}/windows")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class WindowResource {

    private final WindowService windows;

    public WindowResource(WindowService windows) {
        this.windows = windows;
    }

    @GET
    public Uni<WindowStatus> get(@RestPath String accountId) {
        return windows.status(accountId);
    }

    /** A dry run of the next windows: counts by change kind and a few of the account's emails each, nothing written. */
    @GET
    @Path("/next")
    public Uni<WindowPreview> next(@RestPath String accountId) {
        return windows.preview(accountId);
    }

    /** Release now instead of at the window end: 202, the release runs on each partition's owner. */
    @POST
    @Path("/flush")
    @RolesAllowed(AccountAccess.SRE_ROLE)
    @RateLimited("flush")
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
    public Uni<Response> syncNow(@RestPath String accountId) {
        return windows.syncNow(accountId).map(status -> Response.accepted(status).build());
    }
}
