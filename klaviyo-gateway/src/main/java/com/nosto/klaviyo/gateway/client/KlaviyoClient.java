package com.nosto.klaviyo.gateway.client;

import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.RateLimit;
import com.nosto.klaviyo.gateway.domain.RatePacer;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The one way to Klaviyo. Every public method is one allow-listed operation ({@link KlaviyoOperation})
 * whose body is built here from typed inputs, so only list membership and the two Nosto properties can
 * ever be written (G4, G5). Each call is paced per account and operation, retried on 5xx/resets/timeouts with
 * exponential backoff and jitter, and waits out 429s for {@code Retry-After} (G10).
 */
@ApplicationScoped
public class KlaviyoClient {

    private static final Logger LOG = Logger.getLogger(KlaviyoClient.class);
    private static final String JSON_API = "application/vnd.api+json";
    private static final Pattern EXPECTED_IN = Pattern.compile("available in (\\d+) second");

    private final KlaviyoConfig config;
    private final WebClient web;
    private final URI base;
    private final RatePacer pacer;
    private final Map<KlaviyoOperation.Tier, RateLimit> limits = new EnumMap<>(KlaviyoOperation.Tier.class);
    private final MeterRegistry metrics;
    private final SentRequestLog sent;

    public KlaviyoClient(Vertx vertx, KlaviyoConfig config, MeterRegistry metrics, SentRequestLog sent) {
        this.config = config;
        this.metrics = metrics;
        this.sent = sent;
        this.base = URI.create(config.baseUrl().replaceAll("/+$", ""));
        this.pacer = new RatePacer(System::currentTimeMillis, config.rateLimits().windowMargin());
        this.web = WebClient.create(vertx, new WebClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setUserAgent("nosto-klaviyo-gateway")
                .setKeepAlive(true));
        KlaviyoConfig.RateLimits r = config.rateLimits();
        limits.put(KlaviyoOperation.Tier.LISTS_READ, RateLimit.parse(r.listsRead()));
        limits.put(KlaviyoOperation.Tier.LIST_CREATE, RateLimit.parse(r.listCreate()));
        limits.put(KlaviyoOperation.Tier.LIST_MEMBERS, RateLimit.parse(r.listMembers()));
        limits.put(KlaviyoOperation.Tier.PROFILES, RateLimit.parse(r.profiles()));
        limits.put(KlaviyoOperation.Tier.BULK, RateLimit.parse(r.bulkImport()));
        limits.put(KlaviyoOperation.Tier.DELETION, RateLimit.parse(r.deletion()));
    }

    @PreDestroy
    void close() {
        web.close();
    }

    // ---- Lists ------------------------------------------------------------------------------------

    /** Lists with exactly this name (G1: look before creating). Also the cheapest way to validate a key. */
    public Uni<KlaviyoResponse> findListsByName(KlaviyoCredentials cred, String name) {
        return send(cred, KlaviyoOperation.GET_LISTS, null, query("filter", "equals(name," + quoted(name) + ")"), null);
    }

    public Uni<KlaviyoResponse> getList(KlaviyoCredentials cred, String listId) {
        return send(cred, KlaviyoOperation.GET_LIST, listId, Map.of(), null);
    }

    /** Only the name: opt_in_process is left to the account default, no consent setting is ever sent. */
    public Uni<KlaviyoResponse> createList(KlaviyoCredentials cred, String name) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "list")
                .put("attributes", new JsonObject().put("name", name)));
        return send(cred, KlaviyoOperation.CREATE_LIST, null, Map.of(), body);
    }

    /** ≤1000 profile ids; membership only, consent unaffected (spec: add_profiles_to_list). */
    public Uni<KlaviyoResponse> addToList(KlaviyoCredentials cred, String listId, List<String> profileIds) {
        return send(cred, KlaviyoOperation.ADD_PROFILES_TO_LIST, listId, Map.of(), profileRefs(profileIds));
    }

    /** ≤1000 profile ids; "will not impact the profile's consent status" (spec: remove_profiles_from_list). */
    public Uni<KlaviyoResponse> removeFromList(KlaviyoCredentials cred, String listId, List<String> profileIds) {
        return send(cred, KlaviyoOperation.REMOVE_PROFILES_FROM_LIST, listId, Map.of(), profileRefs(profileIds));
    }

    // ---- Profiles -----------------------------------------------------------------------------------

    /** Up to 100 emails in one {@code any(email,[…])} filter; the whole expression is URL-encoded. */
    public Uni<KlaviyoResponse> findProfilesByEmails(KlaviyoCredentials cred, List<String> emails) {
        String list = emails.stream().map(KlaviyoClient::quoted).collect(Collectors.joining(","));
        Map<String, String> q = new LinkedHashMap<>();
        q.put("filter", "any(email,[" + list + "])");
        q.put("fields[profile]", "email");
        q.put("page[size]", String.valueOf(Math.max(1, Math.min(100, emails.size()))));
        return send(cred, KlaviyoOperation.GET_PROFILES, null, q, null);
    }

    /** Upsert by email with only the two properties; 201 created / 200 updated, the id in data.id. */
    public Uni<KlaviyoResponse> importProfile(KlaviyoCredentials cred, String email, NostoProperties props) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "profile")
                .put("attributes", new JsonObject().put("email", email).put("properties", props.toJson())));
        return send(cred, KlaviyoOperation.CREATE_OR_UPDATE_PROFILE, null, Map.of(), body);
    }

    /** Sets the two properties of a known profile (after a 409 duplicate, for example). */
    public Uni<KlaviyoResponse> updateProperties(KlaviyoCredentials cred, String profileId, NostoProperties props) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "profile").put("id", profileId)
                .put("attributes", new JsonObject().put("properties", props.toJson())));
        return send(cred, KlaviyoOperation.UPDATE_PROFILE, profileId, Map.of(), body);
    }

    /** Removes both properties from a known profile with {@code meta.patch_properties.unset}. */
    public Uni<KlaviyoResponse> unsetProperties(KlaviyoCredentials cred, String profileId) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "profile").put("id", profileId)
                .put("attributes", new JsonObject()).put("meta", NostoProperties.unsetMeta()));
        return send(cred, KlaviyoOperation.UPDATE_PROFILE, profileId, Map.of(), body);
    }

    // ---- Bulk import jobs -----------------------------------------------------------------------------

    /** One profile of a bulk job: either set the two properties (upsert by email) or unset them (known id). */
    public record BulkProfile(String email, String profileId, NostoProperties set) {

        public static BulkProfile upsert(String email, NostoProperties props) {
            return new BulkProfile(email, null, props);
        }

        public static BulkProfile unset(String email, String profileId) {
            return new BulkProfile(email, profileId, null);
        }

        JsonObject toJson() {
            JsonObject attrs = new JsonObject().put("email", email);
            JsonObject p = new JsonObject().put("type", "profile");
            if (profileId != null) {
                p.put("id", profileId);
            }
            if (set != null) {
                attrs.put("properties", set.toJson());
                p.put("attributes", attrs);
            } else {
                p.put("attributes", attrs).put("meta", NostoProperties.unsetMeta());
            }
            return p;
        }
    }

    /** ≤10,000 profiles and ≤5 MB (the planner sizes chunks); the list, when given, goes in relationships. */
    public Uni<KlaviyoResponse> createBulkImportJob(KlaviyoCredentials cred, List<BulkProfile> profiles, String listIdOrNull) {
        JsonArray data = new JsonArray();
        profiles.forEach(p -> data.add(p.toJson()));
        JsonObject job = new JsonObject().put("type", "profile-bulk-import-job")
                .put("attributes", new JsonObject().put("profiles", new JsonObject().put("data", data)));
        if (listIdOrNull != null) {
            job.put("relationships", new JsonObject().put("lists", new JsonObject()
                    .put("data", new JsonArray().add(new JsonObject().put("type", "list").put("id", listIdOrNull)))));
        }
        return send(cred, KlaviyoOperation.BULK_IMPORT_PROFILES, null, Map.of(), new JsonObject().put("data", job));
    }

    public Uni<KlaviyoResponse> getBulkImportJob(KlaviyoCredentials cred, String jobId) {
        return send(cred, KlaviyoOperation.GET_BULK_IMPORT_JOB, jobId, Map.of(), null);
    }

    /** First page of a job's per-row errors (page size 100, the maximum). */
    public Uni<KlaviyoResponse> getBulkImportErrors(KlaviyoCredentials cred, String jobId) {
        return send(cred, KlaviyoOperation.GET_BULK_IMPORT_ERRORS, jobId, query("page[size]", "100"), null);
    }

    /** A following page, from {@code links.next}; refused unless it is the same operation on the same host. */
    public Uni<KlaviyoResponse> getBulkImportErrorsPage(KlaviyoCredentials cred, String jobId, String nextLink) {
        URI next = URI.create(nextLink);
        String expectedPath = KlaviyoOperation.GET_BULK_IMPORT_ERRORS.path(jobId);
        if (!expectedPath.equals(next.getRawPath())) {
            return Uni.createFrom().failure(new IllegalStateException("Unexpected pagination link for import-errors"));
        }
        return send(cred, KlaviyoOperation.GET_BULK_IMPORT_ERRORS, jobId, rawQuery(next.getRawQuery()), null);
    }

    // ---- Data privacy (off by default) ---------------------------------------------------------------

    public Uni<KlaviyoResponse> requestProfileDeletion(KlaviyoCredentials cred, String profileId) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "data-privacy-deletion-job")
                .put("attributes", new JsonObject().put("profile", new JsonObject().put("data",
                        new JsonObject().put("type", "profile").put("id", profileId)))));
        return send(cred, KlaviyoOperation.REQUEST_PROFILE_DELETION, null, Map.of(), body);
    }

    // ---- Transport ------------------------------------------------------------------------------------

    /** A failure worth retrying: 5xx, connection reset, timeout. */
    static final class TransientFailure extends RuntimeException {
        TransientFailure(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private Uni<KlaviyoResponse> send(KlaviyoCredentials cred, KlaviyoOperation op, String id, Map<String, String> query,
            JsonObject body) {
        return attempt(cred, op, op.path(id), query, body, 0);
    }

    private Uni<KlaviyoResponse> attempt(KlaviyoCredentials cred, KlaviyoOperation op, String path, Map<String, String> query,
            JsonObject body, int throttledSoFar) {
        Uni<KlaviyoResponse> once = Uni.createFrom().deferred(() -> pace(cred, op).chain(() -> exchange(cred, op, path, query, body)));
        KlaviyoConfig.Retry retry = config.retry();
        Uni<KlaviyoResponse> guarded = op.retryable() && retry.maxAttempts() > 1
                ? once.onFailure(TransientFailure.class).invoke(e -> metrics.counter("klaviyo.retries",
                                "endpoint", op.operationId(), "reason", e.getMessage()).increment())
                        .onFailure(TransientFailure.class).retry()
                        .withBackOff(retry.initialBackoff(), retry.maxBackoff()).withJitter(0.5)
                        .atMost(retry.maxAttempts() - 1)
                : once;
        return guarded
                .onFailure(TransientFailure.class).transform(e -> new KlaviyoUnavailableException(
                        op.operationId() + " kept failing: " + e.getMessage(), e))
                .chain(resp -> {
                    if (!resp.isThrottled() || throttledSoFar >= retry.maxThrottledRetries()) {
                        return Uni.createFrom().item(resp);
                    }
                    metrics.counter("klaviyo.retries", "endpoint", op.operationId(), "reason", "429").increment();
                    // The pacer bucket is blocked for Retry-After already; waiting in pace() honours it.
                    return attempt(cred, op, path, query, body, throttledSoFar + 1);
                })
                .chain(resp -> resp.isThrottled()
                        ? Uni.createFrom().failure(new KlaviyoUnavailableException(
                                op.operationId() + " still throttled after " + retry.maxThrottledRetries() + " waits", null))
                        : Uni.createFrom().item(resp));
    }

    private Uni<Void> pace(KlaviyoCredentials cred, KlaviyoOperation op) {
        Duration wait = pacer.reserve(bucket(cred, op), limits.get(op.tier()));
        if (wait.isZero()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().voidItem().onItem().delayIt().by(wait).chain(() -> pace(cred, op));
    }

    /**
     * One bucket per account and operation: Klaviyo counts each operation against its own limit (the spec's
     * x-klaviyo-ratelimit is per operationId), so job polls do not use up the job submissions' quota.
     */
    private static String bucket(KlaviyoCredentials cred, KlaviyoOperation op) {
        return cred.accountId() + "/" + op.operationId();
    }

    private Uni<KlaviyoResponse> exchange(KlaviyoCredentials cred, KlaviyoOperation op, String path, Map<String, String> query,
            JsonObject body) {
        String url = base + path + encodeQuery(query);
        HttpRequest<Buffer> req = web.requestAbs(HttpMethod.valueOf(op.method()), url)
                .putHeader("Authorization", "Klaviyo-API-Key " + cred.apiKey())
                .putHeader("revision", config.revision())
                .putHeader("Accept", JSON_API)
                .timeout(config.requestTimeout().toMillis());
        Uni<HttpResponse<Buffer>> call;
        if (body != null) {
            req.putHeader("Content-Type", JSON_API);
            call = req.sendBuffer(Buffer.buffer(body.encode()));
        } else {
            call = req.send();
        }
        return call
                .onFailure(e -> e instanceof IOException || e instanceof TimeoutException
                        || e instanceof io.vertx.core.VertxException || e instanceof io.netty.channel.ChannelException)
                .transform(e -> {
                    metrics.counter("klaviyo.calls", "endpoint", op.operationId(), "status", "io-error").increment();
                    return new TransientFailure(e.getClass().getSimpleName(), e);
                })
                .map(resp -> toResponse(cred, op, path, query, body, resp))
                .invoke(r -> {
                    if (r.status() >= 500) {
                        throw new TransientFailure("HTTP " + r.status(), null);
                    }
                });
    }

    private KlaviyoResponse toResponse(KlaviyoCredentials cred, KlaviyoOperation op, String path, Map<String, String> query,
            JsonObject body, HttpResponse<Buffer> resp) {
        int status = resp.statusCode();
        metrics.counter("klaviyo.calls", "endpoint", op.operationId(), "status", String.valueOf(status)).increment();
        JsonObject json = parse(resp.body());
        Duration retryAfter = null;
        if (status == 429) {
            metrics.counter("klaviyo.throttled", "endpoint", op.operationId()).increment();
            retryAfter = retryAfter(resp.getHeader("Retry-After"), json);
            pacer.blockFor(bucket(cred, op), retryAfter);
            LOG.debugf("Klaviyo throttled %s for account %s; waiting %s", op.operationId(), cred.accountId(), retryAfter);
        } else {
            // Klaviyo's own view of the steady window: when it says none remain, wait for its reset.
            Integer remaining = intHeader(resp.getHeader("RateLimit-Remaining"));
            Integer reset = intHeader(resp.getHeader("RateLimit-Reset"));
            if (remaining != null && remaining <= 0 && reset != null) {
                pacer.blockFor(bucket(cred, op), Duration.ofSeconds(Math.min(reset, config.retry().maxRetryAfter().toSeconds())));
            }
        }
        if (sent.enabled()) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("revision", config.revision());
            headers.put("Authorization", "Klaviyo-API-Key ***");
            if (body != null) {
                headers.put("Content-Type", JSON_API);
            }
            sent.add(new SentRequest(op, op.method(), path, Map.copyOf(query), headers, body == null ? null : body.copy(), status));
        }
        return new KlaviyoResponse(op, status, json, retryAfter);
    }

    private Duration retryAfter(String header, JsonObject body) {
        long seconds = 1;
        Integer h = intHeader(header);
        if (h != null) {
            seconds = Math.max(0, h);
        } else if (body != null) {
            Matcher m = EXPECTED_IN.matcher(body.encode());
            if (m.find()) {
                seconds = Long.parseLong(m.group(1));
            }
        }
        Duration d = Duration.ofSeconds(seconds);
        Duration max = config.retry().maxRetryAfter();
        return d.compareTo(max) > 0 ? max : d;
    }

    private static Integer intHeader(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return (int) Math.ceil(Double.parseDouble(value.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static JsonObject parse(Buffer buffer) {
        if (buffer == null || buffer.length() == 0) {
            return new JsonObject();
        }
        try {
            return buffer.toJsonObject();
        } catch (DecodeException | ClassCastException e) {
            return new JsonObject();
        }
    }

    private static JsonObject profileRefs(List<String> ids) {
        JsonArray data = new JsonArray();
        ids.forEach(id -> data.add(new JsonObject().put("type", "profile").put("id", id)));
        return new JsonObject().put("data", data);
    }

    /** A JSON:API filter string literal: double-quoted, with quotes and backslashes escaped. */
    static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static Map<String, String> query(String k, String v) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put(k, v);
        return q;
    }

    private static Map<String, String> rawQuery(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String k = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                q.put(k, v);
            }
        }
        return q;
    }

    /** Every key and value fully encoded: a '+' in an email must arrive as '+' (magento2-klaviyo#295). */
    static String encodeQuery(Map<String, String> query) {
        if (query.isEmpty()) {
            return "";
        }
        return "?" + query.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
