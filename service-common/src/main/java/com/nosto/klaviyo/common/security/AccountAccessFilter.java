package com.nosto.klaviyo.common.security;

import com.nosto.klaviyo.common.rest.Problem;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Collection;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The account check of every JAX-RS call, after routing (so {@code {accountId}} is the path parameter the resource
 * will see) and before any resource method. It fails closed: no identity is a 401, whatever the HTTP path policy
 * let through; a call outside {@code /api/accounts/{accountId}} is for operators only; and a token acts only for
 * the accounts in its {@value AccountAccess#ACCOUNTS_CLAIM} claim (403 otherwise).
 */
public class AccountAccessFilter {

    private final SecurityIdentity identity;
    private final JsonWebToken jwt;

    public AccountAccessFilter(SecurityIdentity identity, JsonWebToken jwt) {
        this.identity = identity;
        this.jwt = jwt;
    }

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION)
    public Optional<Response> checkAccount(UriInfo uriInfo) {
        if (identity.isAnonymous()) {
            return Optional.of(Problem.unauthorized().toResponse());
        }
        String accountId = uriInfo.getPathParameters().getFirst("accountId");
        boolean operator = identity.getRoles().contains(AccountAccess.SRE_ROLE);
        if (accountId == null) {
            return operator ? Optional.empty() : Optional.of(Problem.forbidden(
                    "This endpoint is not scoped to an account: only operators may call it.").toResponse());
        }
        Object claim = jwt.getClaim(AccountAccess.ACCOUNTS_CLAIM);
        Collection<?> accounts = claim instanceof Collection<?> c ? c : null;
        if (!AccountAccess.mayActFor(accountId, identity.getRoles(), accounts)) {
            return Optional.of(Problem.forbidden("This token may not act for account '" + Problem.quote(accountId) + "'.")
                    .toResponse());
        }
        if (!AccountAccess.ACCOUNT_ID.matcher(accountId).matches()) {
            return Optional.of(Problem.of(Response.Status.BAD_REQUEST, "Bad account id",
                    "accountId must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.").toResponse());
        }
        return Optional.empty();
    }
}
