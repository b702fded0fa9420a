package com.nosto.klaviyo.gateway.rest;

import com.nosto.klaviyo.common.ratelimit.RateLimited;
import com.nosto.klaviyo.common.rest.OpenApiProblems;
import com.nosto.klaviyo.common.rest.Problem;
import com.nosto.klaviyo.gateway.client.KeyRejectedException;
import com.nosto.klaviyo.gateway.client.KlaviyoRejectedException;
import com.nosto.klaviyo.gateway.client.KlaviyoUnavailableException;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.domain.ConnectionStatus;
import com.nosto.klaviyo.gateway.domain.Waiting;
import com.nosto.klaviyo.gateway.service.ConnectionService;
import com.nosto.klaviyo.gateway.service.LeaseService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** An account's Klaviyo connection. The key is write-only: responses show its last 4 characters at most (G12). */
@Path("/api/accounts/{accountId}/klaviyo")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Klaviyo connection")
public class ConnectionResource {

    public record ConnectRequest(String privateApiKey) {
        @Override
        public String toString() {
            return "ConnectRequest[privateApiKey=***]";
        }
    }

    /**
     * Status view; {@code status} is CONNECTED, DISCONNECTED (key rejected since) or NOT_CONNECTED. {@code parkedBatches}
     * and {@code waitingContacts}: what waits in the inbox (also a window waiting for its end markers);
     * {@code waitingReason}/{@code retryAt}: why the account's batches wait, when they do for more than their window;
     * {@code klaviyoAccountId}: the Klaviyo account the key reaches.
     */
    public record ConnectionView(String accountId, String status, String statusReason, String listId, String listName,
            String keyLast4, Instant connectedAt, Instant lastSyncAt, long parkedBatches, long waitingContacts, String waitingReason,
            Instant retryAt, String klaviyoAccountId) {

        static ConnectionView of(ConnectionStatus s) {
            Connection c = s.connection().orElse(null);
            String why = s.waiting().map(w -> w.kind() + (w.reason() == null ? "" : ": " + w.reason())).orElse(null);
            Instant retryAt = s.waiting().map(Waiting::retryAt).orElse(null);
            if (c == null) {
                return new ConnectionView(s.accountId(), "NOT_CONNECTED", null, null, null, null, null, null, s.waitingBatches(),
                        s.waitingContacts(), why, retryAt, null);
            }
            return new ConnectionView(c.accountId(), c.status().name(), c.statusReason(), c.listId(), c.listName(), c.keyLast4(),
                    c.connectedAt(), c.lastSyncAt(), s.waitingBatches(), s.waitingContacts(), why, retryAt, c.klaviyoAccountId());
        }
    }

    private final ConnectionService service;

    public ConnectionResource(ConnectionService service) {
        this.service = service;
    }

    @PUT
    @RateLimited("klaviyo-connect")
    @Operation(summary = "Connect Klaviyo", description = "Checks the private API key with Klaviyo, sets up the"
            + " \"Nosto Customers\" list and stores the key (write-only: never shown again but its last 4 characters).")
    @APIResponse(responseCode = "200", description = "Connected.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ConnectionView.class)))
    @APIResponse(responseCode = "422", ref = OpenApiProblems.UNPROCESSABLE, description = "Klaviyo rejected the key"
            + " (not a private key, or without the lists and profiles read/write scopes); nothing was stored.")
    @APIResponse(responseCode = "429", ref = OpenApiProblems.TOO_MANY_REQUESTS)
    @APIResponse(responseCode = "502", ref = OpenApiProblems.BAD_GATEWAY)
    @APIResponse(responseCode = "503", ref = OpenApiProblems.SERVICE_UNAVAILABLE, description = "Klaviyo could not be"
            + " reached to check the key, the account's batches are being applied right now, or the database is away;"
            + " nothing was stored: try again after Retry-After.")
    public Uni<Response> connect(@PathParam("accountId") String accountId, ConnectRequest request) {
        if (request == null || request.privateApiKey() == null || request.privateApiKey().isBlank()) {
            throw new IllegalArgumentException("privateApiKey is required");
        }
        // Checked here so a malformed key can never reach an HTTP header (whose errors might echo it).
        if (!request.privateApiKey().trim().matches("[\\x21-\\x7e]{8,256}")) {
            throw new IllegalArgumentException("privateApiKey must be 8-256 printable characters without spaces");
        }
        return service.connect(accountId, request.privateApiKey())
                .chain(c -> service.status(accountId).map(s -> Response.ok(ConnectionView.of(s)).build()))
                .onFailure(KeyRejectedException.class).recoverWithItem(e -> new Problem("about:blank", "Klaviyo key rejected", 422,
                        e.getMessage() + ". Check that it is a private API key with the accounts read, and the lists and profiles read/write scopes."
                                + " Nothing was stored.", null).toResponse())
                .onFailure(KlaviyoUnavailableException.class).recoverWithItem(e -> Problem.response(
                        Response.Status.SERVICE_UNAVAILABLE, "Klaviyo unavailable",
                        "Klaviyo could not be reached to check the key; nothing was stored. Try again later."))
                .onFailure(KlaviyoRejectedException.class).recoverWithItem(e -> Problem.response(
                        Response.Status.BAD_GATEWAY, "Klaviyo refused the list setup", e.getMessage()))
                .onFailure(LeaseService.AccountBusyException.class).recoverWithItem(ConnectionResource::busy);
    }

    /** 503 with Retry-After: the account's batches are being applied right now (the lease is held elsewhere). */
    private static Response busy(Throwable e) {
        return Response.fromResponse(Problem.response(Response.Status.SERVICE_UNAVAILABLE, "Account busy", e.getMessage()))
                .header("Retry-After", "30").build();
    }

    @GET
    @Operation(summary = "The account's Klaviyo connection", description = "CONNECTED, DISCONNECTED (the key was rejected"
            + " since) or NOT_CONNECTED, with what waits in the inbox and why.")
    @APIResponse(responseCode = "200", description = "The connection's state.")
    public Uni<ConnectionView> get(@PathParam("accountId") String accountId) {
        return service.status(accountId).map(ConnectionView::of);
    }

    @DELETE
    @Operation(summary = "Disconnect Klaviyo", description = "Forgets the key and list id (and the cached profile"
            + " ids); the account's batches wait in the inbox until it is connected again.")
    @APIResponse(responseCode = "204", description = "Disconnected (or was not connected).")
    @APIResponse(responseCode = "503", ref = OpenApiProblems.SERVICE_UNAVAILABLE, description = "The account's batches are"
            + " being applied right now, or the database is away: try again after Retry-After.")
    public Uni<Response> disconnect(@PathParam("accountId") String accountId) {
        return service.disconnect(accountId).map(x -> Response.noContent().build())
                .onFailure(LeaseService.AccountBusyException.class).recoverWithItem(ConnectionResource::busy);
    }
}
