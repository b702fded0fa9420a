package com.nosto.klaviyo.gateway.rest;

import com.nosto.klaviyo.gateway.domain.SyncRunView;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Sync history (G13): one entry per window, newest first, with counts and per-row outcomes. */
@Path("/api/accounts/{accountId}/sync-runs")
@Produces(MediaType.APPLICATION_JSON)
public class SyncRunResource {

    private final SyncStateRepository state;

    public SyncRunResource(SyncStateRepository state) {
        this.state = state;
    }

    @GET
    public Uni<List<SyncRunView>> list(@PathParam("accountId") String accountId, @QueryParam("limit") @DefaultValue("50") int limit) {
        if (limit < 1 || limit > 500) {
            throw new IllegalArgumentException("limit must be between 1 and 500");
        }
        return state.runs(accountId, limit);
    }
}
