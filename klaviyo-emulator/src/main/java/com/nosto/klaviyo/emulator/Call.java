package com.nosto.klaviyo.emulator;

import java.time.Instant;

/**
 * One request the emulator answered (or dropped).
 *
 * @param apiKey      the key sent, or null
 * @param operationId Klaviyo's operationId, or null for unknown paths and the admin API
 * @param status      HTTP status sent; 0 when the connection was reset by a fault
 * @param requestBody the body as received; null when none, or when the call log's body budget dropped it (oldest first)
 * @param injected    true when a fault produced the answer
 */
public record Call(Instant at, String apiKey, String method, String path, String query, String operationId,
                   int status, long durationMillis, String requestBody, boolean injected) {

    public boolean isWrite() {
        return !"GET".equals(method) && !"HEAD".equals(method) && !"OPTIONS".equals(method);
    }
}
