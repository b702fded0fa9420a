package com.nosto.klaviyo.common.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.nosto.klaviyo.common.outage.Failures;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns errors into problem+json: unreadable JSON and wrong types are 400 with the path of the bad
 * field; a security annotation's refusal is a 401 or 403; other HTTP errors keep their status; the
 * infrastructure away is a 503 with {@code Retry-After}; anything else unexpected is a 500 without internals.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    static final int RETRY_AFTER_SECONDS = 5;

    @ServerExceptionMapper
    public Response mapJson(JsonProcessingException e) {
        String where = e instanceof MismatchedInputException m && !m.getPath().isEmpty()
                ? " at " + m.getPath().stream()
                        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                        .collect(Collectors.joining("."))
                : "";
        String what = e instanceof InvalidFormatException ? "Wrong value type" : "Malformed JSON";
        return Problem.response(Response.Status.BAD_REQUEST, "Bad request body", what + where + ": " + e.getOriginalMessage());
    }

    /** Also this subtype by name: Quarkus REST's own mapper for it would otherwise answer a non-problem body. */
    @ServerExceptionMapper
    public Response mapMismatchedInput(MismatchedInputException e) {
        return mapJson(e);
    }

    @ServerExceptionMapper
    public Response mapWebApplication(WebApplicationException e) {
        Response r = e.getResponse();
        if (r.hasEntity()) {
            return r;
        }
        Response.Status status = Response.Status.fromStatusCode(r.getStatus());
        String title = status != null ? status.getReasonPhrase() : "HTTP " + r.getStatus();
        return new Problem("about:blank", title, r.getStatus(), e.getMessage(), null).toResponse();
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response mapUnauthorized(RuntimeException e) {
        return Problem.unauthorized().toResponse();
    }

    @ServerExceptionMapper
    public Response mapForbidden(ForbiddenException e) {
        return Problem.forbidden("This token's roles do not allow this call.").toResponse();
    }

    @ServerExceptionMapper
    public Response mapIllegalArgument(IllegalArgumentException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "Bad request", e.getMessage());
    }

    /**
     * The database or broker is away (a failover, a restart): 503 with {@code Retry-After}, so a publisher knows to
     * send the same request again; nothing of a failed request was kept. Anything else unexpected is a 500.
     */
    @ServerExceptionMapper(priority = 10_000)
    public Response mapUnexpected(Throwable e) {
        if (Failures.isInfrastructure(e)) {
            LOG.warnf("Answering 503: %s", Failures.describe(e));
            Response r = Problem.response(Response.Status.SERVICE_UNAVAILABLE, "Temporarily unavailable",
                    "A dependency of this service is unavailable; nothing of this request was kept. Retry after "
                            + RETRY_AFTER_SECONDS + " seconds.");
            return Response.fromResponse(r).header("Retry-After", RETRY_AFTER_SECONDS).build();
        }
        LOG.error("Unhandled error", e);
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "Internal error",
                "The request failed unexpectedly; it was logged.");
    }
}
