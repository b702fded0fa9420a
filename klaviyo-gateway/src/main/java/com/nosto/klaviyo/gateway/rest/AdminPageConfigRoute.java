package com.nosto.klaviyo.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code GET /admin/config.json}: where the admin page (admin-ui) calls segment-service and sync-worker, from
 * {@code admin-ui.*}. The page takes these addresses from here only, never from a link, so a crafted link cannot
 * send its token elsewhere; the same addresses are the page's Content-Security-Policy {@code connect-src}.
 * Public like the page's static files (no secret in it), and not a JAX-RS endpoint: every JAX-RS endpoint needs a token.
 */
@ApplicationScoped
public class AdminPageConfigRoute {

    private final String body;

    AdminPageConfigRoute(@ConfigProperty(name = "admin-ui.segment-service-url") Optional<String> segmentService,
            @ConfigProperty(name = "admin-ui.sync-worker-url") Optional<String> syncWorker) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("segmentServiceUrl", segmentService.orElse(""));
        config.put("syncWorkerUrl", syncWorker.orElse(""));
        try {
            this.body = new ObjectMapper().writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void install(@Observes Router router) {
        router.get("/admin/config.json").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(body));
    }
}
