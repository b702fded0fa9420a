package com.nosto.klaviyo.common.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns errors into problem+json: unreadable JSON and wrong types are 400 with the path of the bad
 * field; other HTTP errors keep their status; anything unexpected is a 500 without internals.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

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

    @ServerExceptionMapper
    public Response mapIllegalArgument(IllegalArgumentException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "Bad request", e.getMessage());
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response mapUnexpected(RuntimeException e) {
        LOG.error("Unhandled error", e);
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "Internal error",
                "The request failed unexpectedly; it was logged.");
    }
}
