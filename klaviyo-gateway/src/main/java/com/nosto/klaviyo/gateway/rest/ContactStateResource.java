package com.nosto.klaviyo.gateway.rest;

import com.nosto.klaviyo.common.logging.Emails;
import com.nosto.klaviyo.common.rest.ContactQuery;
import com.nosto.klaviyo.common.security.AccountAccess;
import com.nosto.klaviyo.gateway.repository.ContactStateRepository;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestPath;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.nosto.klaviyo.common.rest.OpenApiProblems;

/**
 * "Where is this contact?" for operators (deploy/ops/where-is): the gateway's view of one contact: the last version applied
 * to Klaviyo, its Klaviyo profile id, the sync run that last touched it, its newest row outcome, and a released change
 * still waiting in the inbox (and why). The email travels in the body, never in the URL.
 */
@Path("/api/accounts/{accountId}/contacts/state")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
public class ContactStateResource {

    /** {@code contact}: the email's pseudonym (as in the logs). */
    public record ContactStateView(String accountId, String contact, ContactStateRepository.State klaviyoGateway) {
    }

    private final ContactStateRepository contacts;

    public ContactStateResource(ContactStateRepository contacts) {
        this.contacts = contacts;
    }

    @POST
    @RolesAllowed(AccountAccess.SRE_ROLE)
    @Operation(summary = "Where is this contact? (sre)",
            description = "One contact's state here: the gateway's applied version, Klaviyo profile id and last run, its newest row"
                    + " outcome, and a released change still waiting in the inbox (and why). The email goes in the body, never in the URL.")
    @APIResponse(responseCode = "200", description = "The contact's state, its email pseudonymised.")
    @APIResponse(responseCode = "400", ref = OpenApiProblems.BAD_REQUEST)
    public Uni<ContactStateView> state(@RestPath String accountId, ContactQuery query) {
        String email = (query == null ? new ContactQuery(null) : query).normalisedEmail();
        return contacts.find(accountId, email).map(s -> new ContactStateView(accountId, Emails.pseudonym(email), s));
    }
}
