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

    public static Response response(Response.Status status, String title, String detail) {
        return of(status, title, detail).toResponse();
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
