package com.nosto.klaviyo.gateway.rest;

import com.nosto.klaviyo.common.rest.Problem;
import com.nosto.klaviyo.gateway.client.KlaviyoUnavailableException;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import com.nosto.klaviyo.gateway.service.ConnectionService;
import com.nosto.klaviyo.gateway.service.KeyRejectedException;
import com.nosto.klaviyo.gateway.service.KlaviyoRejectedException;
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

/** An account's Klaviyo connection. The key is write-only: responses show its last 4 characters at most (G12). */
@Path("/api/accounts/{accountId}/klaviyo")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ConnectionResource {

    public record ConnectRequest(String privateApiKey) {
        @Override
        public String toString() {
            return "ConnectRequest[privateApiKey=***]";
        }
    }

    /** Status view; {@code status} is CONNECTED, DISCONNECTED (key rejected since) or NOT_CONNECTED. */
    public record ConnectionView(String accountId, String status, String statusReason, String listId, String listName,
            String keyLast4, Instant connectedAt, Instant lastSyncAt, int parkedBatches) {

        static ConnectionView of(Connection c, int parked) {
            return new ConnectionView(c.accountId(), c.status().name(), c.statusReason(), c.listId(), c.listName(),
                    c.keyLast4(), c.connectedAt(), c.lastSyncAt(), parked);
        }
    }

    private final ConnectionService service;
    private final SyncStateRepository state;

    public ConnectionResource(ConnectionService service, SyncStateRepository state) {
        this.service = service;
        this.state = state;
    }

    @PUT
    public Uni<Response> connect(@PathParam("accountId") String accountId, ConnectRequest request) {
        if (request == null || request.privateApiKey() == null || request.privateApiKey().isBlank()) {
            throw new IllegalArgumentException("privateApiKey is required");
        }
        // Checked here so a malformed key can never reach an HTTP header (whose errors might echo it).
        if (!request.privateApiKey().trim().matches("[\\x21-\\x7e]{8,256}")) {
            throw new IllegalArgumentException("privateApiKey must be 8-256 printable characters without spaces");
        }
        return service.connect(accountId, request.privateApiKey())
                .chain(c -> state.parked(accountId).map(p -> Response.ok(ConnectionView.of(c, p.size())).build()))
                .onFailure(KeyRejectedException.class).recoverWithItem(e -> new Problem("about:blank", "Klaviyo key rejected", 422,
                        e.getMessage() + ". Check that it is a private API key with the lists and profiles read/write scopes."
                                + " Nothing was stored.", null).toResponse())
                .onFailure(KlaviyoUnavailableException.class).recoverWithItem(e -> Problem.response(
                        Response.Status.SERVICE_UNAVAILABLE, "Klaviyo unavailable",
                        "Klaviyo could not be reached to check the key; nothing was stored. Try again later."))
                .onFailure(KlaviyoRejectedException.class).recoverWithItem(e -> Problem.response(
                        Response.Status.BAD_GATEWAY, "Klaviyo refused the list setup", e.getMessage()));
    }

    @GET
    public Uni<ConnectionView> get(@PathParam("accountId") String accountId) {
        return state.parked(accountId).chain(parked -> service.find(accountId).map(c -> c
                .map(conn -> ConnectionView.of(conn, parked.size()))
                .orElse(new ConnectionView(accountId, "NOT_CONNECTED", null, null, null, null, null, null, parked.size()))));
    }

    @DELETE
    public Uni<Response> disconnect(@PathParam("accountId") String accountId) {
        return service.disconnect(accountId).map(x -> Response.noContent().build());
    }
}
