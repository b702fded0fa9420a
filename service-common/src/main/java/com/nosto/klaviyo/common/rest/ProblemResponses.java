package com.nosto.klaviyo.common.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.nosto.klaviyo.events.EventJson;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/** Writes a problem body from the Vert.x layer (security, body limits, unrouted paths), where no JAX-RS mapper runs. */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    public static void end(RoutingContext context, Problem problem) {
        String body;
        try {
            body = EventJson.mapper().writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        context.response().setStatusCode(problem.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(body);
    }
}
