package com.nosto.klaviyo.e2e.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.testsupport.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The system's public HTTP API as a merchant's tools and an SRE use it, for the demo store and the
 * end-to-end tests: only documented endpoints, with the same bearer tokens.
 */
public final class SyncApi {

    /** An answer: status, parsed JSON body (null when empty) and its {@code Retry-After} header (null when none). */
    public record Answer(int status, JsonNode body, String retryAfter) {
        public Answer expect(int... ok) {
            for (int s : ok) {
                if (s == status) {
                    return this;
                }
            }
            throw new IllegalStateException("HTTP " + status + ": " + body);
        }
    }

    private static final ObjectMapper JSON = EventJson.mapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String segmentService;
    private final String syncWorker;
    private final String gateway;

    public SyncApi(String segmentService, String syncWorker, String gateway) {
        this.segmentService = segmentService;
        this.syncWorker = syncWorker;
        this.gateway = gateway;
    }

    public Answer putSegment(String account, String segmentId, String name) {
        return send("PUT", segmentService + "/api/accounts/" + account + "/segments/" + segmentId, Map.of("name", name), merchant(account));
    }

    public Answer setSync(String account, String segmentId, boolean enabled) {
        return send("PUT", segmentService + "/api/accounts/" + account + "/segments/" + segmentId + "/sync", Map.of("enabled", enabled), merchant(account));
    }

    public Answer segments(String account) {
        return send("GET", segmentService + "/api/accounts/" + account + "/segments", null, merchant(account));
    }

    public Answer publish(String account, List<SegmentEvent> events) {
        return send("POST", segmentService + "/api/accounts/" + account + "/segment-events", events, merchant(account));
    }

    /** {@link #publish} as a traced caller does: the request carries the W3C {@code traceparent} given. */
    public Answer publish(String account, List<SegmentEvent> events, String traceparent) {
        return send("POST", segmentService + "/api/accounts/" + account + "/segment-events", events, merchant(account),
                Map.of("traceparent", traceparent));
    }

    public Answer connectKlaviyo(String account, String privateApiKey) {
        return send("PUT", gateway + "/api/accounts/" + account + "/klaviyo", Map.of("privateApiKey", privateApiKey), merchant(account));
    }

    public Answer klaviyoStatus(String account) {
        return send("GET", gateway + "/api/accounts/" + account + "/klaviyo", null, merchant(account));
    }

    public Answer syncRuns(String account) {
        return send("GET", gateway + "/api/accounts/" + account + "/sync-runs", null, merchant(account));
    }

    public Answer windows(String account) {
        return send("GET", syncWorker + "/api/accounts/" + account + "/windows", null, merchant(account));
    }

    /** SRE: release the account's pending changes now instead of at the window's end. */
    public Answer flush(String account) {
        return send("POST", syncWorker + "/api/accounts/" + account + "/windows/flush", Map.of(), Tokens.sre());
    }

    /** SRE: re-emit the account's whole synced state. */
    public Answer resync(String account) {
        return send("POST", segmentService + "/api/accounts/" + account + "/resync", Map.of(), Tokens.sre());
    }

    /** SRE: "where is this contact?" in segment-service: memberships and version (the email in the body, never in the URL). */
    public Answer segmentServiceContactState(String account, String email) {
        return contactState(segmentService, account, email);
    }

    /** SRE: "where is this contact?" in sync-worker: the pending change, its next release, what was released last. */
    public Answer syncWorkerContactState(String account, String email) {
        return contactState(syncWorker, account, email);
    }

    /** SRE: "where is this contact?" in klaviyo-gateway: the applied version, profile id, last run and outcome, the inbox. */
    public Answer gatewayContactState(String account, String email) {
        return contactState(gateway, account, email);
    }

    private Answer contactState(String service, String account, String email) {
        return send("POST", service + "/api/accounts/" + account + "/contacts/state", Map.of("email", email), Tokens.sre());
    }

    private static String merchant(String account) {
        return Tokens.forAccounts(account);
    }

    private Answer send(String method, String url, Object body, String token) {
        return send(method, url, body, token, Map.of());
    }

    private Answer send(String method, String url, Object body, String token, Map<String, String> headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json");
            headers.forEach(b::header);
            if (body != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode parsed = r.body().length == 0 ? null : JSON.readTree(r.body());
            return new Answer(r.statusCode(), parsed, r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + url + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
