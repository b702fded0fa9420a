package com.nosto.klaviyo.gateway.client;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/** A request the client sent, as kept by {@link SentRequestLog} for the contract test (no credentials). */
public record SentRequest(KlaviyoOperation operation, String method, String path, Map<String, String> query,
        Map<String, String> headers, JsonObject body, int status) {
}
