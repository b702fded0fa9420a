package com.nosto.klaviyo.segment.rest;

import com.nosto.klaviyo.common.security.AccountAccess;
import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.segment.domain.FanoutJob;
import com.nosto.klaviyo.segment.service.FanoutService;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;

/**
 * {@code POST /api/accounts/{accountId}/resync} (operators only): re-emits the current synced state of
 * every contact of the account (cause RESYNC), so a full resync needs no topic surgery.
 */
@Path("/api/accounts/{accountId}/resync")
@Produces(MediaType.APPLICATION_JSON)
public class ResyncResource {

    public record ResyncAccepted(long jobId, String accountId) {
    }

    @Inject
    FanoutService fanout;

    @POST
    @RolesAllowed(AccountAccess.SRE_ROLE)
    public Uni<Response> resync(@PathParam("accountId") String accountId) {
        return Panache.withTransaction(() -> fanout.enqueue(FanoutJob.of(accountId, null, ChangeCause.Kind.RESYNC, false, Instant.now())))
                .invoke(fanout::kick)
                .map(job -> Response.accepted(new ResyncAccepted(job.id, accountId)).build());
    }
}
