package com.nosto.klaviyo.common.rest;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.security.ForbiddenException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Problem bodies for what is answered before or outside JAX-RS: an HTTP permission's 403, a body over the size
 * limit (413), a path under {@code /api} that no resource serves (404). The 401 challenge has its body from
 * {@link com.nosto.klaviyo.common.security.ProblemBearerMechanism}.
 */
@ApplicationScoped
public class ProblemRoutes {

    private final long maxBodySize;

    ProblemRoutes(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.maxBodySize = maxBodySize.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(ProblemRoutes::onFailure);
        // Before Quarkus' own check of the declared length (route order -2), which answers 413 without a body.
        router.route().order(-3).handler(this::refuseDeclaredOversizedBody);
        router.route("/api/*").last().handler(ctx -> ProblemResponses.end(ctx,
                Problem.status(404, "No endpoint at " + Problem.quote(ctx.request().path()) + ".")));
    }

    private void refuseDeclaredOversizedBody(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > maxBodySize) {
            // As Quarkus does: the unread body makes the connection unusable, so it is closed once the answer is out.
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            ctx.response().endHandler(done -> ctx.request().connection().close());
            ProblemResponses.end(ctx, Problem.status(413, "The request body is larger than this service accepts ("
                    + maxBodySize + " bytes)."));
            return;
        }
        ctx.next();
    }

    private static void onFailure(RoutingContext ctx) {
        if (ctx.response().ended() || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        if (ctx.failure() instanceof ForbiddenException) {
            ProblemResponses.end(ctx, Problem.forbidden("This token may not call this path."));
        } else if (ctx.failure() == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            ProblemResponses.end(ctx, Problem.status(ctx.statusCode(), ctx.statusCode() == 413
                    ? "The request body is larger than this service accepts." : null));
        } else {
            ctx.next();
        }
    }
}
