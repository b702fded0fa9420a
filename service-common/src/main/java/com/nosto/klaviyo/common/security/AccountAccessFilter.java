package com.nosto.klaviyo.common.security;

import com.nosto.klaviyo.common.rest.Problem;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Collection;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /api/accounts/{accountId}/…} call is refused with 403 unless the caller's token lets
 * it act for that account. Authentication itself (401) is the HTTP permission policy on {@code /api/*}.
 * Runs after routing, so the path parameter is known, and before any resource method.
 */
public class AccountAccessFilter {

    @Inject
    SecurityIdentity identity;

    @Inject
    JsonWebToken jwt;

    @ServerRequestFilter
    public Optional<Response> checkAccount(UriInfo uriInfo) {
        String accountId = uriInfo.getPathParameters().getFirst("accountId");
        if (accountId == null || identity.isAnonymous()) {
            return Optional.empty();
        }
        Object claim = jwt.getClaim(AccountAccess.ACCOUNTS_CLAIM);
        Collection<?> accounts = claim instanceof Collection<?> c ? c : null;
        if (AccountAccess.mayActFor(accountId, identity.getRoles(), accounts)) {
            return Optional.empty();
        }
        return Optional.of(Problem.response(Response.Status.FORBIDDEN,
                "Forbidden account", "This token may not act for account '" + accountId + "'."));
    }
}
