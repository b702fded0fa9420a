package com.nosto.klaviyo.common.security;

import com.nosto.klaviyo.common.rest.Problem;
import com.nosto.klaviyo.common.rest.ProblemResponses;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.smallrye.jwt.runtime.auth.JWTAuthMechanism;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.Set;

/**
 * The bearer-token mechanism (SmallRye JWT) with one change: its 401 challenge carries an RFC 9457 problem body,
 * as every error of the API does. Authentication is delegated unchanged. The HTTP layer sends this challenge both
 * for a request without identity on a path that needs one and for a token that fails verification, before any
 * JAX-RS code runs, so an exception mapper could not add the body.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class ProblemBearerMechanism implements HttpAuthenticationMechanism {

    private final JWTAuthMechanism delegate;

    public ProblemBearerMechanism(JWTAuthMechanism delegate) {
        this.delegate = delegate;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        return delegate.authenticate(context, identityProviderManager);
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return delegate.getChallenge(context);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return delegate.getCredentialTypes();
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return delegate.getCredentialTransport(context);
    }

    @Override
    public int getPriority() {
        return delegate.getPriority();
    }

    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        return getChallenge(context).map(challenge -> {
            if (!context.response().ended()) {
                challenge.getHeaders().forEach((name, value) -> context.response().headers().set(name, value));
                ProblemResponses.end(context, Problem.unauthorized());
            }
            return true;
        });
    }
}
