package com.nosto.klaviyo.worker.rest;

import com.nosto.klaviyo.common.security.AccountAccess;
import com.nosto.klaviyo.worker.service.WindowService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestPath;

/** An account's release windows (G6). Authentication: /api policy; account scope: AccountAccessFilter. */
@Path("/api/accounts/{accountId}/windows")
@Produces(MediaType.APPLICATION_JSON)
public class WindowResource {

    @Inject
    WindowService windows;

    @GET
    public Uni<WindowStatus> get(@RestPath String accountId) {
        return windows.status(accountId);
    }

    /** Release now instead of at the window end: 202, the release runs on each partition's owner. */
    @POST
    @Path("/flush")
    @RolesAllowed(AccountAccess.SRE_ROLE)
    public Uni<Response> flush(@RestPath String accountId) {
        return windows.flush(accountId).map(status -> Response.accepted(status).build());
    }
}
