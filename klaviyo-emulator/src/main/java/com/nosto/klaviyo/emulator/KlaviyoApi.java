package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.JsonApi.JSON_API;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Klaviyo's server API (revision 2026-07-15), for the operations the sync uses. One handler runs the pipeline every
 * Klaviyo request goes through: faults → route → auth → revision → rate limit → content type → operation. The
 * operations live by resource ({@link AccountsApi}, {@link ListsApi}, {@link ProfilesApi}, {@link BulkImportApi}, {@link PrivacyApi});
 * the route table below maps each of the spec's operationIds to one of them.
 */
final class KlaviyoApi implements Handler<RoutingContext> {

    private static final Pattern AUTH = Pattern.compile("^Klaviyo-API-Key\\s+(\\S+)\\s*$");
    private static final Pattern REVISION = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}(\\.[A-Za-z0-9]+)?$");
    static final int MAX_BULK_BYTES = 5 * 1024 * 1024;

    interface Op {
        Reply handle(Req req);
    }

    record Route(String method, Pattern pattern, String operationId, boolean hasBody, int maxBytes, Op op) {
    }

    /** One request on its way to its operation: which one, the caller's account, path parameters, parsed body, base URL. */
    record Req(RoutingContext ctx, String operationId, EmulatedAccount account, List<String> params, JsonNode body, String base) {
        String param(int i) {
            return params.get(i);
        }

        String query(String name) {
            return ctx.request().getParam(name);
        }
    }

    record Reply(int status, JsonNode body) {
        static Reply noContent() {
            return new Reply(204, null);
        }
    }

    private final KlaviyoEmulator emulator;
    private final Vertx vertx;
    private final List<Route> routes = new ArrayList<>();

    KlaviyoApi(KlaviyoEmulator emulator, Vertx vertx) {
        this.emulator = emulator;
        this.vertx = vertx;
        ProfileRules rules = new ProfileRules(emulator);
        ListsApi lists = new ListsApi(emulator);
        ProfilesApi profiles = new ProfilesApi(rules);
        BulkImportApi bulk = new BulkImportApi(emulator, vertx, rules);
        // Accounts
        route("GET", "/api/accounts", "get_accounts", AccountsApi::getAccounts);
        // Lists
        route("GET", "/api/lists", "get_lists", lists::getLists);
        route("POST", "/api/lists", "create_list", lists::createList);
        route("GET", "/api/lists/{}", "get_list", lists::getList);
        route("PATCH", "/api/lists/{}", "update_list", lists::updateList);
        route("DELETE", "/api/lists/{}", "delete_list", lists::deleteList);
        route("GET", "/api/lists/{}/profiles", "get_profiles_for_list", r -> lists.listMembers(r, false));
        route("GET", "/api/lists/{}/relationships/profiles", "get_profile_ids_for_list", r -> lists.listMembers(r, true));
        route("POST", "/api/lists/{}/relationships/profiles", "add_profiles_to_list", r -> lists.changeMembers(r, true));
        route("DELETE", "/api/lists/{}/relationships/profiles", "remove_profiles_from_list", r -> lists.changeMembers(r, false));
        // Profiles
        route("GET", "/api/profiles", "get_profiles", profiles::getProfiles);
        route("POST", "/api/profiles", "create_profile", profiles::createProfile);
        route("GET", "/api/profiles/{}", "get_profile", profiles::getProfile);
        route("PATCH", "/api/profiles/{}", "update_profile", profiles::updateProfile);
        route("POST", "/api/profile-import", "create_or_update_profile", profiles::upsertProfile);
        // Bulk import
        route("POST", "/api/profile-bulk-import-jobs", "bulk_import_profiles", bulk::bulkImport);
        route("GET", "/api/profile-bulk-import-jobs", "get_bulk_import_profiles_jobs", bulk::getJobs);
        route("GET", "/api/profile-bulk-import-jobs/{}", "get_bulk_import_profiles_job", bulk::getJob);
        route("GET", "/api/profile-bulk-import-jobs/{}/import-errors", "get_errors_for_bulk_import_profiles_job", bulk::getJobErrors);
        route("GET", "/api/profile-bulk-import-jobs/{}/relationships/profiles", "get_profile_ids_for_bulk_import_profiles_job",
                r -> bulk.jobProfiles(r, true));
        route("GET", "/api/profile-bulk-import-jobs/{}/profiles", "get_profiles_for_bulk_import_profiles_job", r -> bulk.jobProfiles(r, false));
        route("GET", "/api/profile-bulk-import-jobs/{}/lists", "get_list_for_bulk_import_profiles_job", bulk::jobLists);
        // Privacy and consent
        route("POST", "/api/data-privacy-deletion-jobs", "request_profile_deletion", PrivacyApi::deletionJob);
        route("POST", "/api/profile-subscription-bulk-create-jobs", "bulk_subscribe_profiles", r -> PrivacyApi.consentCall(r, "SUBSCRIBED"));
        route("POST", "/api/profile-subscription-bulk-delete-jobs", "bulk_unsubscribe_profiles", r -> PrivacyApi.consentCall(r, "UNSUBSCRIBED"));
        route("POST", "/api/profile-suppression-bulk-create-jobs", "bulk_suppress_profiles", r -> PrivacyApi.consentCall(r, "SUPPRESSED"));
        route("POST", "/api/profile-suppression-bulk-delete-jobs", "bulk_unsuppress_profiles", r -> PrivacyApi.consentCall(r, null));
    }

    private void route(String method, String template, String operationId, Op op) {
        String regex = "^" + template.replace("{}", "([^/]+)") + "/?$";
        boolean hasBody = !"GET".equals(method) && !(method.equals("DELETE") && !template.endsWith("relationships/profiles"));
        int max = "bulk_import_profiles".equals(operationId) ? MAX_BULK_BYTES : 1024 * 1024;
        routes.add(new Route(method, Pattern.compile(regex), operationId, hasBody, max, op));
    }

    /** The operationId a request maps to, or null. */
    Optional<Route> match(String method, String path, List<String> params) {
        for (Route r : routes) {
            Matcher m = r.pattern().matcher(path);
            if (m.matches() && r.method().equals(method)) {
                for (int i = 1; i <= m.groupCount(); i++) {
                    params.add(m.group(i));
                }
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private boolean pathKnown(String path) {
        return routes.stream().anyMatch(r -> r.pattern().matcher(path).matches());
    }

    // ------------------------------------------------------------------ pipeline

    @Override
    public void handle(RoutingContext ctx) {
        long start = System.nanoTime();
        String method = ctx.request().method().name();
        String path = ctx.request().path();
        List<String> params = new ArrayList<>();
        Route route = match(method, path, params).orElse(null);
        String operationId = route == null ? null : route.operationId();
        Duration delay = emulator.faults().latencyFor(operationId, path);
        if (!delay.isZero()) {
            vertx.setTimer(delay.toMillis(), t -> process(ctx, route, params, start));
        } else {
            process(ctx, route, params, start);
        }
    }

    private void process(RoutingContext ctx, Route route, List<String> params, long start) {
        String method = ctx.request().method().name();
        String path = ctx.request().path();
        String operationId = route == null ? null : route.operationId();
        String apiKey = apiKey(ctx);
        String bodyText = ctx.body() == null || ctx.body().buffer() == null ? null : ctx.body().asString();
        Faults faults = emulator.faults();
        if (faults.resetFor(operationId, path)) {
            emulator.callLog().add(new Call(emulator.now(), apiKey, method, path, ctx.request().query(), operationId, 0,
                    elapsed(start), bodyText, true));
            Connections.reset(ctx);
            return;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int status;
        JsonNode body;
        boolean injected = false;
        try {
            Optional<Integer> fault = faults.errorFor(operationId, path);
            if (fault.isPresent()) {
                injected = true;
                throw injectedError(fault.get());
            }
            if (route == null) {
                if (pathKnown(path)) {
                    throw ApiError.of(405, "method_not_allowed", "Method not allowed.", "Method \"" + method + "\" not allowed.", null, null);
                }
                throw ApiError.notFound("Not found.");
            }
            EmulatedAccount account = authenticate(ctx);
            checkRevision(ctx);
            rateLimit(ctx, account, route, headers);
            JsonNode requestBody = null;
            if (route.hasBody()) {
                requestBody = readBody(ctx, route, bodyText);
            }
            Req req = new Req(ctx, route.operationId(), account, params, requestBody, base(ctx));
            Reply reply;
            synchronized (account) {
                reply = route.op().handle(req);
            }
            status = reply.status();
            body = reply.body();
        } catch (ApiError e) {
            status = e.status;
            body = e.body();
            headers.putAll(e.headers);
            if (status == 429) {
                headers.keySet().removeIf(h -> h.startsWith("RateLimit-"));
            }
        } catch (RuntimeException e) {
            status = 500;
            body = ApiError.of(500, "error", "A server error occurred.", String.valueOf(e), null, null).body();
        }
        HttpServerResponse response = ctx.response().setStatusCode(status);
        headers.forEach(response::putHeader);
        emulator.callLog().add(new Call(emulator.now(), apiKey, method, path, ctx.request().query(), operationId, status,
                elapsed(start), bodyText, injected));
        if (body == null) {
            response.end();
        } else {
            response.putHeader("Content-Type", JSON_API).end(Buffer.buffer(Json.write(body)));
        }
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static ApiError injectedError(int status) {
        return switch (status) {
            case 429 -> new ApiError(429, List.of(new ApiError.Entry("throttled", "Request was throttled.",
                    "Request was throttled. Expected available in 1 second.", "/data", null, Map.of())), Map.of("Retry-After", "1"));
            case 503 -> ApiError.of(503, "service_unavailable", "Service unavailable.", "The service is temporarily unavailable.", null, null);
            case 500 -> ApiError.of(500, "error", "A server error occurred.", "A server error occurred.", null, null);
            default -> ApiError.of(status, status >= 500 ? "error" : "invalid", "Injected fault.", "Injected fault with status " + status, null, null);
        };
    }

    private static String apiKey(RoutingContext ctx) {
        String auth = ctx.request().getHeader("Authorization");
        if (auth == null) {
            return null;
        }
        Matcher m = AUTH.matcher(auth);
        return m.matches() ? m.group(1) : null;
    }

    private EmulatedAccount authenticate(RoutingContext ctx) {
        String auth = ctx.request().getHeader("Authorization");
        if (auth == null || auth.isBlank()) {
            throw ApiError.of(401, "not_authenticated", "Authentication credentials were not provided.",
                    "Missing or invalid authorization scheme. Please use Klaviyo-API-Key.", null, null);
        }
        String key = apiKey(ctx);
        EmulatedAccount account = key == null ? null : emulator.existingAccount(key);
        if (account == null) {
            throw ApiError.of(401, "authentication_failed", "Incorrect authentication credentials.",
                    "Incorrect authentication credentials.", null, null);
        }
        return account;
    }

    private static void checkRevision(RoutingContext ctx) {
        String revision = ctx.request().getHeader("revision");
        if (revision == null || revision.isBlank()) {
            throw ApiError.of(400, "invalid", "Invalid input.", "The `revision` header is required.", null, "revision");
        }
        if (!REVISION.matcher(revision.trim()).matches()) {
            throw ApiError.of(400, "invalid", "Invalid input.", "Invalid revision header value: " + revision, null, "revision");
        }
    }

    private void rateLimit(RoutingContext ctx, EmulatedAccount account, Route route, Map<String, String> headers) {
        String variant = variantOf(ctx, route.operationId());
        RateLimits.Limit limit = emulator.rateLimits().of(variant).orElse(new RateLimits.Limit(75, 750, 0))
                .scaled(emulator.config().rateLimitScale());
        RateLimiter.Decision d = emulator.rateLimiter().acquire(account.apiKey(), variant, limit, emulator.config().rateLimitsEnabled());
        if (!d.allowed()) {
            long wait = d.retryAfterSeconds();
            throw new ApiError(429, List.of(new ApiError.Entry("throttled", "Request was throttled.",
                    "Request was throttled. Expected available in " + wait + (wait == 1 ? " second." : " seconds."), "/data", null, Map.of())),
                    Map.of("Retry-After", String.valueOf(wait)));
        }
        headers.put("RateLimit-Limit", String.valueOf(d.limit()));
        headers.put("RateLimit-Remaining", String.valueOf(d.remaining()));
        headers.put("RateLimit-Reset", String.valueOf(d.resetSeconds()));
    }

    /** The spec states stricter limits in prose for some parameters; those get their own buckets. */
    static String variantOf(RoutingContext ctx, String operationId) {
        String additional = String.valueOf(ctx.request().getParam("additional-fields[list]")) + ","
                + ctx.request().getParam("additional-fields[profile]");
        String include = String.valueOf(ctx.request().getParam("include"));
        return switch (operationId) {
            case "get_list" -> additional.contains("profile_count") ? "get_list#profile_count" : operationId;
            // get_profile states no stricter limit for predictive_analytics (get_profiles and get_profiles_for_list do).
            case "get_profile" -> include.contains("lists") || include.contains("segments") ? "get_profile#include_lists_or_segments"
                    : operationId;
            case "get_profiles" -> additional.contains("predictive_analytics") ? "get_profiles#predictive_analytics" : operationId;
            case "get_profiles_for_list" -> additional.contains("predictive_analytics") ? "get_profiles_for_list#predictive_analytics" : operationId;
            default -> operationId;
        };
    }

    private static JsonNode readBody(RoutingContext ctx, Route route, String text) {
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType == null || !contentType.toLowerCase().startsWith(JSON_API)) {
            throw ApiError.of(415, "unsupported_media_type", "Unsupported media type.",
                    "Unsupported media type \"" + contentType + "\" in request. Use " + JSON_API + ".", null, null);
        }
        if (text == null || text.isBlank()) {
            throw ApiError.invalid("A request body is required.", "/data");
        }
        if (ctx.body().length() > route.maxBytes()) {
            throw ApiError.of(413, "payload_too_large", "Request entity too large.",
                    "The request body exceeds " + route.maxBytes() + " bytes.", null, null);
        }
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            if (node == null || !node.isObject()) {
                throw ApiError.invalid("The request body must be a JSON object.", "/");
            }
            return node;
        } catch (ApiError e) {
            throw e;
        } catch (Exception e) {
            throw ApiError.of(400, "parse_error", "Malformed JSON.", "JSON parse error - " + e.getMessage().split("\n")[0], null, null);
        }
    }

    private String base(RoutingContext ctx) {
        String host = ctx.request().getHeader("Host");
        return host == null ? emulator.baseUrl() : "http://" + host;
    }
}
