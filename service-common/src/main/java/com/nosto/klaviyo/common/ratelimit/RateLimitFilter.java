package com.nosto.klaviyo.common.ratelimit;

import com.nosto.klaviyo.common.rest.Problem;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Applies {@link RateLimited} after the account check (so a refused caller spends nothing): 429 beyond the limit. */
public class RateLimitFilter {

    private final AccountRateLimiter limiter;

    public RateLimitFilter(AccountRateLimiter limiter) {
        this.limiter = limiter;
    }

    @ServerRequestFilter(priority = Priorities.USER)
    public Optional<Response> limit(ResourceInfo resource, UriInfo uriInfo) {
        RateLimited limited = resource.getResourceMethod() == null ? null
                : resource.getResourceMethod().getAnnotation(RateLimited.class);
        String accountId = uriInfo.getPathParameters().getFirst("accountId");
        if (limited == null || accountId == null) {
            return Optional.empty();
        }
        Duration wait = limiter.tryAcquire(limited.value(), accountId);
        if (wait.isZero()) {
            return Optional.empty();
        }
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        Problem problem = Problem.status(429, "Too many '" + limited.value() + "' requests for account '" + accountId
                + "'; try again in " + seconds + " s.");
        return Optional.of(Response.fromResponse(problem.toResponse()).header("Retry-After", Long.toString(seconds)).build());
    }
}
