package com.nosto.klaviyo.gateway.client;

import com.nosto.klaviyo.common.tracing.Tracing;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.RateLimit;
import com.nosto.klaviyo.gateway.domain.RatePacer;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
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
 * How every Klaviyo call is made: paced per account and operation ({@link RatePacer}), sent only while the account's
 * lease is valid, retried on 5xx/resets/timeouts with exponential backoff and jitter, 429s waited out for
 * {@code Retry-After} (G10), and the answer classified once ({@link KlaviyoResponse.Outcome}); a rejected key is
 * {@link KeyRejectedException}. Not a bean: {@link KlaviyoClient} owns one, and with it this replica's pacer.
 *
 * <p>With tracing on, each call is one CLIENT span {@code klaviyo <operationId>} (pacing, retries and 429 waits
 * inside it) under the credentials' context. The web client's own HTTP spans are off ({@link TracingPolicy#IGNORE}):
 * they would repeat each attempt as a bare {@code POST} with the full URL, whose query can hold a shopper's email, and
 * they would send our trace ids to Klaviyo.
 */
final class KlaviyoTransport {

    private static final Logger LOG = Logger.getLogger(KlaviyoTransport.class);
    private static final String JSON_API = "application/vnd.api+json";
    private static final Pattern EXPECTED_IN = Pattern.compile("available in (\\d+) second");

    private final KlaviyoConfig config;
    private final WebClient web;
    private final URI base;
    private final RatePacer pacer;
    private final Map<KlaviyoOperation.Tier, RateLimit> limits = new EnumMap<>(KlaviyoOperation.Tier.class);
    private final GatewayMetrics metrics;
    private final SentRequestLog sent;
    private final Tracing tracing;

    KlaviyoTransport(Vertx vertx, KlaviyoConfig config, GatewayMetrics metrics, SentRequestLog sent, Tracing tracing) {
        this.config = config;
        this.tracing = tracing;
        this.metrics = metrics;
        this.sent = sent;
        this.base = URI.create(config.baseUrl().replaceAll("/+$", ""));
        this.pacer = new RatePacer(System::currentTimeMillis, config.rateLimits().windowMargin());
        this.web = WebClient.create(vertx, new WebClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setUserAgent("nosto-klaviyo-gateway")
                .setKeepAlive(true)
                .setTracingPolicy(TracingPolicy.IGNORE));
        KlaviyoConfig.RateLimits r = config.rateLimits();
        limits.put(KlaviyoOperation.Tier.ACCOUNTS, RateLimit.parse(r.accounts()));
        limits.put(KlaviyoOperation.Tier.LISTS_READ, RateLimit.parse(r.listsRead()));
        limits.put(KlaviyoOperation.Tier.LIST_CREATE, RateLimit.parse(r.listCreate()));
        limits.put(KlaviyoOperation.Tier.LIST_MEMBERS, RateLimit.parse(r.listMembers()));
        limits.put(KlaviyoOperation.Tier.PROFILES, RateLimit.parse(r.profiles()));
        limits.put(KlaviyoOperation.Tier.BULK, RateLimit.parse(r.bulkImport()));
        limits.put(KlaviyoOperation.Tier.DELETION, RateLimit.parse(r.deletion()));
    }

    RatePacer pacer() {
        return pacer;
    }

    void close() {
        web.close();
    }

    /** A failure worth retrying: 5xx, connection reset, timeout. */
    static final class TransientFailure extends RuntimeException {
        TransientFailure(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    Uni<KlaviyoResponse> send(KlaviyoCredentials cred, KlaviyoOperation op, String id, Map<String, String> query,
            JsonObject body) {
        if (!tracing.enabled()) {
            return attempt(cred, op, op.path(id), query, body, 0);
        }
        return Uni.createFrom().deferred(() -> {
            Span span = tracing.start("klaviyo " + op.operationId(), SpanKind.CLIENT, cred.trace())
                    .setAttribute("klaviyo.operation", op.operationId()).setAttribute("http.request.method", op.method())
                    .setAttribute("nks.account_id", cred.accountId());
            return attempt(cred, op, op.path(id), query, body, 0)
                    .invoke(resp -> span.setAttribute("http.response.status_code", resp.status()))
                    // The failure's type only: a message may quote what Klaviyo said about a profile.
                    .onFailure().invoke(e -> span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName()))
                    .onTermination().invoke(() -> span.end());
        });
    }

    private Uni<KlaviyoResponse> attempt(KlaviyoCredentials cred, KlaviyoOperation op, String path, Map<String, String> query,
            JsonObject body, int throttledSoFar) {
        Uni<KlaviyoResponse> once = Uni.createFrom().deferred(() -> pace(cred, op).chain(() -> {
            // After the pacer's wait, right before the request: a replica whose lease ended never calls for the account.
            cred.lease().check();
            return exchange(cred, op, path, query, body);
        }));
        KlaviyoConfig.Retry retry = config.retry();
        Uni<KlaviyoResponse> guarded = op.retryable() && retry.maxAttempts() > 1
                ? once.onFailure(TransientFailure.class).invoke(e -> metrics.klaviyoRetry(op.operationId(), e.getMessage()))
                        .onFailure(TransientFailure.class).retry()
                        .withBackOff(retry.initialBackoff(), retry.maxBackoff()).withJitter(0.5)
                        .atMost(retry.maxAttempts() - 1)
                : once;
        return guarded
                .onFailure(TransientFailure.class).transform(e -> new KlaviyoUnavailableException(
                        op.operationId() + " kept failing: " + e.getMessage(), e))
                .chain(resp -> {
                    if (resp.outcome() != KlaviyoResponse.Outcome.THROTTLED || throttledSoFar >= retry.maxThrottledRetries()) {
                        return Uni.createFrom().item(resp);
                    }
                    metrics.klaviyoRetry(op.operationId(), "429");
                    // The pacer bucket is blocked for Retry-After already; waiting in pace() honours it.
                    return attempt(cred, op, path, query, body, throttledSoFar + 1);
                })
                .chain(resp -> resp.outcome() == KlaviyoResponse.Outcome.THROTTLED
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
        return RatePacer.key(cred.accountId(), op.operationId());
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
        long[] sent = new long[1];
        return call
                .onSubscription().invoke(() -> sent[0] = System.nanoTime())
                .onTermination().invoke(() -> metrics.klaviyoCallTime(op.operationId(), System.nanoTime() - sent[0]))
                .onFailure(e -> e instanceof IOException || e instanceof TimeoutException
                        || e instanceof io.vertx.core.VertxException || e instanceof io.netty.channel.ChannelException)
                .transform(e -> {
                    metrics.klaviyoCall(op.operationId(), "io-error");
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
        metrics.klaviyoCall(op.operationId(), String.valueOf(status));
        JsonObject json = parse(resp.body());
        Duration retryAfter = null;
        if (status == 429) {
            metrics.klaviyoThrottled(op.operationId());
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
        if (status == 401 || status == 403) {
            List<KlaviyoResponse.ApiError> errors = new KlaviyoResponse(op, KlaviyoResponse.Outcome.REJECTED, status, json, null).errors();
            throw new KeyRejectedException(status, errors.isEmpty() ? null : errors.get(0).detail());
        }
        return new KlaviyoResponse(op, KlaviyoResponse.classify(status, json), status, json, retryAfter);
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
