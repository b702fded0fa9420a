package com.nosto.klaviyo.gateway.rest;

import com.nosto.klaviyo.common.ratelimit.RateLimited;
import com.nosto.klaviyo.common.rest.OpenApiProblems;
import com.nosto.klaviyo.common.rest.Problem;
import com.nosto.klaviyo.common.security.AccountAccess;
import com.nosto.klaviyo.gateway.client.KeyRejectedException;
import com.nosto.klaviyo.gateway.client.KlaviyoRejectedException;
import com.nosto.klaviyo.gateway.client.KlaviyoUnavailableException;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.service.AuditService;
import com.nosto.klaviyo.gateway.service.LeaseService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /api/accounts/{accountId}/audit?repair=false|true} (operators only, G14): compares what Klaviyo holds with
 * what the gateway applied and answers the drift per class with a few emails each and the write calls a repair makes;
 * {@code repair=true} also makes them. A dry run (the default) writes nothing to Klaviyo. Both are sync history entries.
 * {@code POST …/audit/check} is the merchant's dry run (the admin page's "Check Klaviyo"), a few an hour per account
 * ({@code rate-limit.audit-check}): an audit reads the whole list, within the account's Klaviyo read limits.
 */
@Path("/api/accounts/{accountId}/audit")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit")
public class AuditResource {

    private final AuditService audits;

    public AuditResource(AuditService audits) {
        this.audits = audits;
    }

    @POST
    @RolesAllowed(AccountAccess.SRE_ROLE)
    @Operation(summary = "Audit the account's Klaviyo list against what was applied (sre)",
            description = "Reads the list's members and their nosto_segment / nosto_segments, classifies every difference and"
                    + " answers counts and a few pseudonymised emails per class with the writes a repair makes; repair=true"
                    + " (default false) also makes them. Recorded in the sync history.")
    @APIResponse(responseCode = "200", description = "The drift per class and the repair's write calls (made when repair=true).")
    @APIResponse(responseCode = "400", ref = OpenApiProblems.BAD_REQUEST)
    @APIResponse(responseCode = "409", ref = OpenApiProblems.CONFLICT)
    @APIResponse(responseCode = "502", ref = OpenApiProblems.BAD_GATEWAY)
    public Uni<Response> audit(@PathParam("accountId") String accountId, @QueryParam("repair") @DefaultValue("false") String repair) {
        // Taken as text: JAX-RS would answer an unconvertible value 404, the contract says 400.
        if (!repair.equals("true") && !repair.equals("false")) {
            throw new IllegalArgumentException("repair must be true or false");
        }
        return answer(audits.audit(accountId, Boolean.parseBoolean(repair)));
    }

    @POST
    @Path("check")
    @RateLimited("audit-check")
    @Operation(summary = "Check the account's Klaviyo list for drift (a dry run; merchant or sre)",
            description = "The audit without repair: what differs between the list and what the sync applied, per class with a"
                    + " few pseudonymised emails, and the writes a repair would make. Writes nothing to Klaviyo. A few an hour"
                    + " per account (rate-limit.audit-check). Recorded in the sync history.")
    @APIResponse(responseCode = "200", description = "The drift per class and the write calls a repair would make.")
    @APIResponse(responseCode = "409", ref = OpenApiProblems.CONFLICT)
    @APIResponse(responseCode = "429", ref = OpenApiProblems.TOO_MANY_REQUESTS)
    @APIResponse(responseCode = "502", ref = OpenApiProblems.BAD_GATEWAY)
    public Uni<Response> check(@PathParam("accountId") String accountId) {
        return answer(audits.audit(accountId, false));
    }

    private static Uni<Response> answer(Uni<?> audit) {
        return audit.map(r -> Response.ok(r).build())
                .onFailure(AuditService.NotConnectedException.class).recoverWithItem(e -> Problem.response(Response.Status.CONFLICT,
                        "Account not connected", e.getMessage()))
                .onFailure(KeyRejectedException.class).recoverWithItem(e -> Problem.response(Response.Status.CONFLICT,
                        "Klaviyo key rejected", e.getMessage() + ". The account must reconnect before it can be audited."))
                .onFailure(e -> e instanceof KlaviyoUnavailableException || e instanceof LeaseService.AccountBusyException
                        || e instanceof AccountLease.LeaseLostException)
                .recoverWithItem(e -> Response.fromResponse(Problem.response(Response.Status.SERVICE_UNAVAILABLE,
                        e instanceof KlaviyoUnavailableException ? "Klaviyo unavailable" : "Account busy",
                        e.getMessage() + ". Nothing was recorded; try again later.")).header("Retry-After", "30").build())
                .onFailure(KlaviyoRejectedException.class).recoverWithItem(e -> Problem.response(Response.Status.BAD_GATEWAY,
                        "Klaviyo refused a call of the audit", e.getMessage()));
    }
}
