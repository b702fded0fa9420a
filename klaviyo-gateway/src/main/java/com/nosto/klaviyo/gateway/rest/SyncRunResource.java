package com.nosto.klaviyo.gateway.rest;

import com.nosto.klaviyo.gateway.domain.SyncRunView;
import com.nosto.klaviyo.gateway.service.SyncHistoryService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Sync history (G13): one entry per window, newest first, with counts and per-row outcomes. */
@Path("/api/accounts/{accountId}/sync-runs")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Sync history")
public class SyncRunResource {

    private final SyncHistoryService history;

    public SyncRunResource(SyncHistoryService history) {
        this.history = history;
    }

    @GET
    @Operation(summary = "The account's sync history", description = "One entry per window, newest first, with counts and"
            + " per-row outcomes; limit is 1-500 (default 50).")
    @APIResponse(responseCode = "200", description = "The newest runs.")
    public Uni<List<SyncRunView>> list(@PathParam("accountId") String accountId,
            @QueryParam("limit") @DefaultValue("50") String limit) {
        // Taken as text: JAX-RS answers an unconvertible query parameter 404, the contract says 400.
        if (!limit.matches("[0-9]{1,3}") || Integer.parseInt(limit) < 1 || Integer.parseInt(limit) > 500) {
            throw new IllegalArgumentException("limit must be a whole number between 1 and 500");
        }
        return history.runs(accountId, Integer.parseInt(limit));
    }
}
