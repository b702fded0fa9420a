package com.nosto.klaviyo.common.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * An RFC 9457 problem details body ({@code application/problem+json}). {@code errors} lists
 * per-item reasons where a request carried several items (e.g. rejected events by index).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<ItemError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One rejected item of a request: where it was ({@code index}, JSON pointer) and why. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ItemError(Integer index, String pointer, String reason) {
    }

    public static Problem of(Response.Status status, String title, String detail) {
        return new Problem("about:blank", title, status.getStatusCode(), detail, null);
    }

    /** No identity, or a token that failed verification; the same words whatever the reason, to tell an attacker nothing. */
    public static Problem unauthorized() {
        return of(Response.Status.UNAUTHORIZED, "Unauthorized",
                "A valid bearer token is required: it is missing, expired, or not issued for this system.");
    }

    public static Problem forbidden(String detail) {
        return of(Response.Status.FORBIDDEN, "Forbidden", detail);
    }

    public static Problem status(int status, String detail) {
        Response.Status known = Response.Status.fromStatusCode(status);
        return new Problem("about:blank", known != null ? known.getReasonPhrase() : "HTTP " + status, status, detail, null);
    }

    /** A caller-supplied value for a detail text: at most 80 characters, control characters replaced. */
    public static String quote(String value) {
        String v = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return v.replaceAll("\\p{Cntrl}", "?");
    }

    public static Response response(Response.Status status, String title, String detail) {
        return of(status, title, detail).toResponse();
    }

    public Response toResponse() {
        Response.ResponseBuilder r = Response.status(status).type(MEDIA_TYPE).entity(this);
        return status == 401 ? r.header("WWW-Authenticate", "Bearer").build() : r.build();
    }
}
