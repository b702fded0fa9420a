package com.nosto.klaviyo.gateway.rest;

import com.nosto.klaviyo.common.security.AccountAccess;
import com.nosto.klaviyo.gateway.domain.KekStatus;
import com.nosto.klaviyo.gateway.service.KeyReencryption;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * For operators: where a key-encryption-key rotation stands (stored Klaviyo keys per KEK, how many wait to be re-sealed,
 * which KEKs can be removed). Not scoped to an account, so only the {@code sre} role may call it.
 */
@Path("/api/admin/kek")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
public class KekResource {

    private final KeyReencryption reencryption;

    public KekResource(KeyReencryption reencryption) {
        this.reencryption = reencryption;
    }

    @GET
    @RolesAllowed(AccountAccess.SRE_ROLE)
    @Operation(summary = "Where a key-encryption-key rotation stands (sre)",
            description = "Stored Klaviyo keys per KEK, how many wait to be re-sealed and which KEKs can be removed.")
    @APIResponse(responseCode = "200", description = "Keys per KEK.")
    public Uni<KekStatus> status() {
        return reencryption.status();
    }
}
