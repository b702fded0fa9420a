package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Klaviyo's server API (revision 2026-07-15), for the operations the sync uses. One handler runs the pipeline every
 * Klaviyo request goes through: faults → route → auth → revision → rate limit → content type → operation.
 */
final class KlaviyoApi implements Handler<RoutingContext> {

    static final String JSON_API = "application/vnd.api+json";
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);
    private static final Pattern AUTH = Pattern.compile("^Klaviyo-API-Key\\s+(\\S+)\\s*$");
    private static final Pattern REVISION = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}(\\.[A-Za-z0-9]+)?$");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
    private static final Pattern PHONE = Pattern.compile("^\\+[1-9]\\d{6,14}$");
    static final int MAX_BULK_BYTES = 5 * 1024 * 1024;
    static final int MAX_PROFILE_BYTES = 100 * 1024;
    static final int MAX_BULK_PROFILES = 10_000;
    static final int MAX_RELATIONSHIP_IDS = 1000;

    private static final Set<String> PROFILE_ATTRS = Set.copyOf(ProfileState.STANDARD);
    private static final Set<String> UPSERT_ATTRS;

    static {
        Set<String> s = new HashSet<>(ProfileState.STANDARD);
        s.add("_kx");
        UPSERT_ATTRS = Set.copyOf(s);
    }

    interface Op {
        Reply handle(Req req);
    }

    record Route(String method, Pattern pattern, String operationId, boolean hasBody, int maxBytes, Op op) {
    }

    record Req(RoutingContext ctx, EmulatedAccount account, List<String> params, JsonNode body, String base) {
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
        // Lists
        route("GET", "/api/lists", "get_lists", this::getLists);
        route("POST", "/api/lists", "create_list", this::createList);
        route("GET", "/api/lists/{}", "get_list", this::getList);
        route("PATCH", "/api/lists/{}", "update_list", this::updateList);
        route("DELETE", "/api/lists/{}", "delete_list", this::deleteList);
        route("GET", "/api/lists/{}/profiles", "get_profiles_for_list", r -> listMembers(r, false));
        route("GET", "/api/lists/{}/relationships/profiles", "get_profile_ids_for_list", r -> listMembers(r, true));
        route("POST", "/api/lists/{}/relationships/profiles", "add_profiles_to_list", r -> changeMembers(r, true));
        route("DELETE", "/api/lists/{}/relationships/profiles", "remove_profiles_from_list", r -> changeMembers(r, false));
        // Profiles
        route("GET", "/api/profiles", "get_profiles", this::getProfiles);
        route("POST", "/api/profiles", "create_profile", this::createProfile);
        route("GET", "/api/profiles/{}", "get_profile", this::getProfile);
        route("PATCH", "/api/profiles/{}", "update_profile", this::updateProfile);
        route("POST", "/api/profile-import", "create_or_update_profile", this::upsertProfile);
        // Bulk import
        route("POST", "/api/profile-bulk-import-jobs", "bulk_import_profiles", this::bulkImport);
        route("GET", "/api/profile-bulk-import-jobs", "get_bulk_import_profiles_jobs", this::getJobs);
        route("GET", "/api/profile-bulk-import-jobs/{}", "get_bulk_import_profiles_job", this::getJob);
        route("GET", "/api/profile-bulk-import-jobs/{}/import-errors", "get_errors_for_bulk_import_profiles_job", this::getJobErrors);
        route("GET", "/api/profile-bulk-import-jobs/{}/relationships/profiles", "get_profile_ids_for_bulk_import_profiles_job",
                r -> jobProfiles(r, true));
        route("GET", "/api/profile-bulk-import-jobs/{}/profiles", "get_profiles_for_bulk_import_profiles_job", r -> jobProfiles(r, false));
        route("GET", "/api/profile-bulk-import-jobs/{}/lists", "get_list_for_bulk_import_profiles_job", this::jobLists);
        // Privacy and consent
        route("POST", "/api/data-privacy-deletion-jobs", "request_profile_deletion", this::deletionJob);
        route("POST", "/api/profile-subscription-bulk-create-jobs", "bulk_subscribe_profiles", r -> consentCall(r, "SUBSCRIBED"));
        route("POST", "/api/profile-subscription-bulk-delete-jobs", "bulk_unsubscribe_profiles", r -> consentCall(r, "UNSUBSCRIBED"));
        route("POST", "/api/profile-suppression-bulk-create-jobs", "bulk_suppress_profiles", r -> consentCall(r, "SUPPRESSED"));
        route("POST", "/api/profile-suppression-bulk-delete-jobs", "bulk_unsuppress_profiles", r -> consentCall(r, null));
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
            Req req = new Req(ctx, account, params, requestBody, base(ctx));
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
            case "get_profile" -> include.contains("lists") || include.contains("segments") ? "get_profile#include_lists_or_segments"
                    : additional.contains("predictive_analytics") ? "get_profiles#predictive_analytics" : operationId;
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

    // ------------------------------------------------------------------ rendering

    static String ts(Instant i) {
        return i == null ? null : TS.format(i);
    }

    private static ObjectNode links(ObjectNode parent, String self, String related) {
        ObjectNode l = parent.putObject("links");
        if (self != null) {
            l.put("self", self);
        }
        if (related != null) {
            l.put("related", related);
        }
        return l;
    }

    private ObjectNode listResource(EmulatedAccount.ListState l, String base, boolean profileCount) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "list");
        o.put("id", l.id);
        ObjectNode a = o.putObject("attributes");
        a.put("name", l.name);
        a.put("created", ts(l.created));
        a.put("updated", ts(l.updated));
        a.put("opt_in_process", l.optInProcess == null ? "single_opt_in" : l.optInProcess);
        if (profileCount) {
            a.put("profile_count", l.members.size());
        }
        ObjectNode rel = o.putObject("relationships");
        String self = base + "/api/lists/" + l.id + "/";
        for (String name : List.of("profiles", "tags", "flow-triggers")) {
            links(rel.putObject(name), base + "/api/lists/" + l.id + "/relationships/" + name + "/", base + "/api/lists/" + l.id + "/" + name + "/");
        }
        links(o, self, null);
        return o;
    }

    private ObjectNode profileResource(ProfileState p, Req r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "profile");
        o.put("id", p.id);
        ObjectNode a = o.putObject("attributes");
        for (String k : List.of("email", "phone_number", "external_id", "first_name", "last_name", "organization", "locale", "title", "image")) {
            a.set(k, Json.MAPPER.valueToTree(p.attributes.get(k)));
        }
        a.put("created", ts(p.created));
        a.put("updated", ts(p.updated));
        a.putNull("last_event_date");
        ObjectNode loc = a.putObject("location");
        for (String k : List.of("address1", "address2", "city", "country", "latitude", "longitude", "region", "zip", "timezone", "ip")) {
            loc.putNull(k);
        }
        Object setLoc = p.attributes.get("location");
        if (setLoc instanceof Map<?, ?> m) {
            m.forEach((k, v) -> loc.set(String.valueOf(k), Json.MAPPER.valueToTree(v)));
        }
        a.set("properties", Json.MAPPER.valueToTree(p.properties));
        String additional = String.valueOf(r.query("additional-fields[profile]"));
        if (additional.contains("subscriptions")) {
            ObjectNode subs = a.putObject("subscriptions");
            ObjectNode marketing = subs.putObject("email").putObject("marketing");
            marketing.put("can_receive_email_marketing", "SUBSCRIBED".equals(p.emailConsent));
            marketing.put("consent", p.emailConsent);
            marketing.putNull("consent_timestamp");
            marketing.putNull("last_updated");
            marketing.putNull("method");
            marketing.putNull("method_detail");
            marketing.putNull("custom_method_detail");
            marketing.putNull("double_optin");
            marketing.putArray("suppression");
            marketing.putArray("list_suppressions");
        }
        String fields = r.query("fields[profile]");
        if (fields != null && !fields.isBlank()) {
            Set<String> keep = new HashSet<>(List.of(fields.split(",")));
            a.retain(keep);
        }
        ObjectNode rel = o.putObject("relationships");
        for (String name : List.of("lists", "segments")) {
            links(rel.putObject(name), r.base() + "/api/profiles/" + p.id + "/relationships/" + name + "/",
                    r.base() + "/api/profiles/" + p.id + "/" + name + "/");
        }
        links(o, r.base() + "/api/profiles/" + p.id + "/", null);
        return o;
    }

    private ObjectNode jobResource(EmulatedAccount.JobState j, String base) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "profile-bulk-import-job");
        o.put("id", j.id);
        ObjectNode a = o.putObject("attributes");
        a.put("status", j.status);
        a.put("created_at", ts(j.createdAt));
        a.put("total_count", j.total);
        a.put("completed_count", j.completed);
        a.put("failed_count", j.failed);
        a.put("completed_at", ts(j.completedAt));
        a.put("expires_at", ts(j.createdAt.plus(Duration.ofDays(7))));
        a.put("started_at", ts(j.startedAt));
        ObjectNode rel = o.putObject("relationships");
        String jobUrl = base + "/api/profile-bulk-import-jobs/" + j.id;
        ObjectNode lists = rel.putObject("lists");
        ArrayNode data = lists.putArray("data");
        if (j.listId != null) {
            data.addObject().put("type", "list").put("id", j.listId);
        }
        links(lists, jobUrl + "/relationships/lists/", jobUrl + "/lists/");
        links(rel.putObject("profiles"), jobUrl + "/relationships/profiles/", jobUrl + "/profiles/");
        links(rel.putObject("import-errors"), null, jobUrl + "/import-errors/");
        links(o, jobUrl + "/", null);
        return o;
    }

    private static ObjectNode single(JsonNode data, String self) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("data", data);
        root.putObject("links").put("self", self);
        return root;
    }

    private static String selfUrl(Req r) {
        String q = r.ctx().request().query();
        return r.base() + r.ctx().request().path() + (q == null || q.isEmpty() ? "" : "?" + q);
    }

    /** Cursor paging over an in-memory list: the cursor is an opaque offset, links.next/prev are full URLs. */
    private <T> ObjectNode page(Req r, List<T> items, Function<T, JsonNode> render, int defaultSize, int maxSize) {
        int size = defaultSize;
        String sizeText = r.query("page[size]");
        if (sizeText != null) {
            try {
                size = Integer.parseInt(sizeText.trim());
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > maxSize) {
                throw ApiError.invalidParam("Page size must be an integer between 1 and " + maxSize + ".", "page[size]");
            }
        }
        int offset = 0;
        String cursor = r.query("page[cursor]");
        if (cursor != null && !cursor.isEmpty()) {
            try {
                String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                if (!decoded.startsWith("o:")) {
                    throw new IllegalArgumentException();
                }
                offset = Integer.parseInt(decoded.substring(2));
            } catch (RuntimeException e) {
                throw ApiError.invalidParam("Invalid page cursor.", "page[cursor]");
            }
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        int end = Math.min(items.size(), offset + size);
        for (int i = Math.min(offset, items.size()); i < end; i++) {
            data.add(render.apply(items.get(i)));
        }
        ObjectNode links = root.putObject("links");
        links.put("self", selfUrl(r));
        if (end < items.size()) {
            links.put("next", withCursor(r, end));
        }
        if (offset > 0) {
            links.put("prev", withCursor(r, Math.max(0, offset - size)));
        }
        return root;
    }

    private static String withCursor(Req r, int offset) {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : r.ctx().request().params()) {
            if (e.getKey().equals("page[cursor]")) {
                continue;
            }
            q.append(q.length() == 0 ? "" : "&").append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        }
        String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(("o:" + offset).getBytes(StandardCharsets.UTF_8));
        q.append(q.length() == 0 ? "" : "&").append(enc("page[cursor]")).append('=').append(cursor);
        return r.base() + r.ctx().request().path() + "?" + q;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    // ------------------------------------------------------------------ request parsing helpers

    private static ObjectNode data(JsonNode body, String type) {
        JsonNode data = body.path("data");
        if (!data.isObject()) {
            throw ApiError.invalid("'data' is a required object.", "/data");
        }
        checkType(data, type, "/data");
        return (ObjectNode) data;
    }

    private static void checkType(JsonNode resource, String type, String pointer) {
        JsonNode t = resource.path("type");
        if (!t.isTextual()) {
            throw ApiError.invalid("'type' is a required field.", pointer + "/type");
        }
        if (!type.equals(t.asText())) {
            throw ApiError.of(409, "conflict", "Conflict.", "The resource type \"" + t.asText() + "\" does not match \"" + type + "\".",
                    pointer + "/type", null);
        }
    }

    private static ObjectNode attributes(JsonNode data, String pointer) {
        JsonNode a = data.path("attributes");
        if (!a.isObject()) {
            throw ApiError.invalid("'attributes' is a required object.", pointer + "/attributes");
        }
        return (ObjectNode) a;
    }

    /** Returns the problems of one profile's attributes (empty = valid); records consent fields it meets. */
    private List<ApiError.Entry> profileProblems(Req r, String operationId, JsonNode attrs, String pointer, Set<String> allowed,
                                                 boolean needIdentifier) {
        List<ApiError.Entry> problems = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = attrs.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if ("subscriptions".equals(key)) {
                r.account().recordConsent(operationId, "attributes.subscriptions", Json.write(attrs));
            }
            if (!allowed.contains(key)) {
                problems.add(entry("'" + key + "' is not a valid field for the resource 'profile'.", pointer + "/" + key));
                continue;
            }
            if (v.isNull()) {
                continue;
            }
            switch (key) {
                case "email" -> {
                    if (!v.isTextual() || !EMAIL.matcher(v.asText().trim()).matches() || emulator.faults().isRejected(v.asText())) {
                        problems.add(entry("Invalid email address", pointer + "/email"));
                    }
                }
                case "phone_number" -> {
                    if (!v.isTextual() || !PHONE.matcher(v.asText()).matches()) {
                        problems.add(entry("Invalid phone number format (Example of a valid format: +12345678901)", pointer + "/phone_number"));
                    }
                }
                case "properties", "location" -> {
                    if (!v.isObject()) {
                        problems.add(entry("'" + key + "' must be an object.", pointer + "/" + key));
                    }
                }
                default -> {
                    if (!v.isTextual()) {
                        problems.add(entry("'" + key + "' must be a string.", pointer + "/" + key));
                    }
                }
            }
        }
        if (needIdentifier && !hasIdentifier(attrs)) {
            problems.add(entry("One of email, phone_number, or external_id is required to identify a profile.", pointer));
        }
        return problems;
    }

    private static boolean hasIdentifier(JsonNode attrs) {
        for (String k : List.of("email", "phone_number", "external_id", "_kx")) {
            if (attrs.path(k).isTextual() && !attrs.path(k).asText().isBlank()) {
                return true;
            }
        }
        return false;
    }

    private static ApiError.Entry entry(String detail, String pointer) {
        return new ApiError.Entry("invalid", "Invalid input.", detail, pointer, null, Map.of());
    }

    /** {@code meta} of a profile: only {@code patch_properties} (and {@code patch_identifiers}) with the documented shapes. */
    private static List<ApiError.Entry> metaProblems(JsonNode meta, String pointer) {
        List<ApiError.Entry> problems = new ArrayList<>();
        if (meta.isMissingNode() || meta.isNull()) {
            return problems;
        }
        if (!meta.isObject()) {
            problems.add(entry("'meta' must be an object.", pointer));
            return problems;
        }
        Iterator<String> names = meta.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!n.equals("patch_properties") && !n.equals("patch_identifiers")) {
                problems.add(entry("'" + n + "' is not a valid field for 'meta'.", pointer + "/" + n));
            }
        }
        JsonNode patch = meta.path("patch_properties");
        if (patch.isMissingNode() || patch.isNull()) {
            return problems;
        }
        String pp = pointer + "/patch_properties";
        if (!patch.isObject()) {
            problems.add(entry("'patch_properties' must be an object.", pp));
            return problems;
        }
        Iterator<Map.Entry<String, JsonNode>> ops = patch.fields();
        while (ops.hasNext()) {
            Map.Entry<String, JsonNode> op = ops.next();
            JsonNode v = op.getValue();
            switch (op.getKey()) {
                case "unset" -> {
                    boolean ok = v.isNull() || v.isTextual() || (v.isArray() && allTextual(v));
                    if (!ok) {
                        problems.add(entry("Unset must be a string or an array of strings", pp + "/unset"));
                    }
                }
                case "append", "unappend" -> {
                    if (v.isNull()) {
                        continue;
                    }
                    if (!v.isObject()) {
                        problems.add(entry("'" + op.getKey() + "' must be an object of property names to values.", pp + "/" + op.getKey()));
                        continue;
                    }
                    v.fields().forEachRemaining(f -> {
                        JsonNode val = f.getValue();
                        boolean simple = val.isValueNode() && !val.isNull();
                        boolean simpleArray = val.isArray() && allSimple(val);
                        if (!simple && !simpleArray) {
                            problems.add(entry("'" + op.getKey() + "' values must be a simple value or an array of simple values.",
                                    pp + "/" + op.getKey() + "/" + f.getKey()));
                        }
                    });
                }
                default -> problems.add(entry("'" + op.getKey() + "' is not a valid patch operation.", pp + "/" + op.getKey()));
            }
        }
        return problems;
    }

    private static boolean allTextual(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static boolean allSimple(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isValueNode() || n.isNull()) {
                return false;
            }
        }
        return true;
    }

    private static void failIf(List<ApiError.Entry> problems) {
        if (!problems.isEmpty()) {
            throw ApiError.many(400, problems);
        }
    }

    private static ApiError duplicate(ProfileState existing) {
        return ApiError.many(409, List.of(new ApiError.Entry("duplicate_profile", "Conflict.",
                "A profile already exists with one of these identifiers.", "/data/attributes", null,
                Map.of("duplicate_profile_id", existing.id))));
    }

    private static int bytes(JsonNode node) {
        return Json.write(node).getBytes(StandardCharsets.UTF_8).length;
    }

    // ------------------------------------------------------------------ lists

    private static final Map<String, Set<String>> LIST_FILTERS = Map.of("name", Set.of("equals", "any"), "id", Set.of("equals", "any"));
    private static final Map<String, Set<String>> PROFILE_FILTERS = Map.of("email", Set.of("equals", "any"), "id", Set.of("equals", "any"),
            "phone_number", Set.of("equals", "any"), "external_id", Set.of("equals", "any"));
    private static final Map<String, Set<String>> MEMBER_FILTERS = Map.of("email", Set.of("equals", "any"),
            "phone_number", Set.of("equals", "any"));

    private EmulatedAccount.ListState list(Req r) {
        EmulatedAccount.ListState l = r.account().lists.get(r.param(0));
        if (l == null) {
            throw ApiError.notFound("A list with id " + r.param(0) + " does not exist.");
        }
        return l;
    }

    private Reply getLists(Req r) {
        Filter f = Filter.parse(r.query("filter"), LIST_FILTERS);
        List<EmulatedAccount.ListState> matching = r.account().lists.values().stream()
                .filter(l -> f.matches(l, field -> "name".equals(field) ? l.name : l.id)).toList();
        return new Reply(200, page(r, matching, l -> listResource(l, r.base(), false), 10, 10));
    }

    private Reply createList(Req r) {
        ObjectNode data = data(r.body(), "list");
        ObjectNode attrs = attributes(data, "/data");
        JsonNode name = attrs.path("name");
        if (!name.isTextual() || name.asText().isBlank()) {
            throw ApiError.invalid("'name' is a required field for the resource 'list'.", "/data/attributes/name");
        }
        JsonNode optIn = attrs.path("opt_in_process");
        if (!optIn.isMissingNode() && !optIn.isNull() && !Set.of("single_opt_in", "double_opt_in").contains(optIn.asText())) {
            throw ApiError.invalid("'opt_in_process' must be single_opt_in or double_opt_in.", "/data/attributes/opt_in_process");
        }
        EmulatedAccount.ListState l = r.account().createList(name.asText(), optIn.isTextual() ? optIn.asText() : null);
        return new Reply(201, single(listResource(l, r.base(), false), r.base() + "/api/lists/"));
    }

    private Reply getList(Req r) {
        EmulatedAccount.ListState l = list(r);
        boolean count = String.valueOf(r.query("additional-fields[list]")).contains("profile_count");
        return new Reply(200, single(listResource(l, r.base(), count), selfUrl(r)));
    }

    private Reply updateList(Req r) {
        EmulatedAccount.ListState l = list(r);
        ObjectNode data = data(r.body(), "list");
        if (!r.param(0).equals(data.path("id").asText())) {
            throw ApiError.of(409, "conflict", "Conflict.", "The id in the body does not match the URL.", "/data/id", null);
        }
        JsonNode name = attributes(data, "/data").path("name");
        if (name.isTextual() && !name.asText().isBlank()) {
            l.name = name.asText();
            l.updated = r.account().now();
        }
        return new Reply(200, single(listResource(l, r.base(), false), selfUrl(r)));
    }

    private Reply deleteList(Req r) {
        list(r);
        r.account().lists.remove(r.param(0));
        return Reply.noContent();
    }

    private Reply listMembers(Req r, boolean idsOnly) {
        EmulatedAccount.ListState l = list(r);
        Filter f = Filter.parse(r.query("filter"), MEMBER_FILTERS);
        List<ProfileState> members = l.members.keySet().stream().map(r.account().profiles::get).filter(p -> p != null)
                .filter(p -> f.matches(p, field -> "email".equals(field) ? p.email() : (String) p.attributes.get(field))).toList();
        Function<ProfileState, JsonNode> render = idsOnly
                ? p -> Json.MAPPER.createObjectNode().put("type", "profile").put("id", p.id)
                : p -> {
                    // Members carry when they joined (required by the spec for this operation).
                    ObjectNode o = profileResource(p, r);
                    ((ObjectNode) o.path("attributes")).put("joined_group_at", ts(l.members.get(p.id)));
                    return o;
                };
        return new Reply(200, page(r, members, render, 20, 100));
    }

    private Reply changeMembers(Req r, boolean add) {
        EmulatedAccount.ListState l = list(r);
        JsonNode data = r.body().path("data");
        if (!data.isArray()) {
            throw ApiError.invalid("'data' must be an array of profile identifiers.", "/data");
        }
        if (data.size() > MAX_RELATIONSHIP_IDS) {
            throw ApiError.invalid("A maximum of " + MAX_RELATIONSHIP_IDS + " profiles can be " + (add ? "added to" : "removed from")
                    + " a list per request.", "/data");
        }
        List<String> ids = new ArrayList<>();
        List<ApiError.Entry> problems = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            JsonNode item = data.get(i);
            if (!item.isObject() || !"profile".equals(item.path("type").asText())) {
                problems.add(entry("Each item must be a resource identifier of type 'profile'.", "/data/" + i + "/type"));
                continue;
            }
            if (!item.path("id").isTextual() || item.path("id").asText().isBlank()) {
                problems.add(entry("'id' is required; profiles are identified by id only.", "/data/" + i + "/id"));
                continue;
            }
            String id = item.path("id").asText();
            if (!r.account().profiles.containsKey(id)) {
                if (emulator.faults().unknownProfileIdPolicy() == Faults.UnknownProfileIds.REJECT) {
                    problems.add(entry("A profile with id " + id + " does not exist.", "/data/" + i + "/id"));
                }
                continue;
            }
            ids.add(id);
        }
        failIf(problems);
        Instant now = r.account().now();
        for (String id : ids) {
            if (add) {
                l.members.putIfAbsent(id, now);
            } else {
                l.members.remove(id);
            }
        }
        return Reply.noContent();
    }

    // ------------------------------------------------------------------ profiles

    private ProfileState profile(Req r) {
        ProfileState p = r.account().profiles.get(r.param(0));
        if (p == null) {
            throw ApiError.notFound("A profile with id " + r.param(0) + " does not exist.");
        }
        return p;
    }

    private Reply getProfiles(Req r) {
        Filter f = Filter.parse(r.query("filter"), PROFILE_FILTERS);
        List<ProfileState> matching = candidates(r.account(), f).stream()
                .filter(p -> f.matches(p, field -> switch (field) {
                    case "id" -> p.id;
                    case "email" -> p.email();
                    default -> (String) p.attributes.get(field);
                })).toList();
        return new Reply(200, page(r, matching, p -> profileResource(p, r), 20, 100));
    }

    /**
     * The profiles a filter can match, in the account's order: through the email index when the filter names
     * emails (as Klaviyo does not read every profile for {@code any(email,[…])}), else all of them. The filter
     * itself still decides.
     */
    private static java.util.Collection<ProfileState> candidates(EmulatedAccount account, Filter f) {
        for (Filter.Condition c : f.conditions()) {
            if ("email".equals(c.field())) {
                List<ProfileState> found = account.byEmails(c.values());
                if (found != null) {
                    return found;
                }
            }
        }
        return account.profiles.values();
    }

    private Reply getProfile(Req r) {
        return new Reply(200, single(profileResource(profile(r), r), selfUrl(r)));
    }

    /** The existing profile (other than {@code self}) holding one of the identifiers in {@code attrs}, if any. */
    private static ProfileState clash(EmulatedAccount account, JsonNode attrs, ProfileState self) {
        for (String field : List.of("email", "phone_number", "external_id")) {
            JsonNode v = attrs.path(field);
            if (v.isTextual()) {
                ProfileState other = account.byField(field, v.asText());
                if (other != null && other != self) {
                    return other;
                }
            }
        }
        return null;
    }

    private Reply createProfile(Req r) {
        ObjectNode data = data(r.body(), "profile");
        ObjectNode attrs = attributes(data, "/data");
        List<ApiError.Entry> problems = profileProblems(r, "create_profile", attrs, "/data/attributes", PROFILE_ATTRS, true);
        if (data.has("meta")) {
            problems.add(entry("'meta' is not a valid field for this request.", "/data/meta"));
        }
        failIf(problems);
        sizeCheck(data);
        ProfileState existing = clash(r.account(), attrs, null);
        if (existing != null) {
            throw duplicate(existing);
        }
        ProfileState p = r.account().newProfile();
        p.apply(attrs, true);
        return new Reply(201, single(profileResource(p, r), r.base() + "/api/profiles/"));
    }

    private Reply updateProfile(Req r) {
        ProfileState p = profile(r);
        ObjectNode data = data(r.body(), "profile");
        if (!data.path("id").isTextual()) {
            throw ApiError.invalid("'id' is a required field.", "/data/id");
        }
        if (!r.param(0).equals(data.path("id").asText())) {
            throw ApiError.of(409, "conflict", "Conflict.", "The id in the body does not match the URL.", "/data/id", null);
        }
        ObjectNode attrs = attributes(data, "/data");
        List<ApiError.Entry> problems = profileProblems(r, "update_profile", attrs, "/data/attributes", PROFILE_ATTRS, false);
        problems.addAll(metaProblems(data.path("meta"), "/data/meta"));
        failIf(problems);
        sizeCheck(data);
        ProfileState other = clash(r.account(), attrs, p);
        if (other != null) {
            throw duplicate(other);
        }
        p.apply(attrs, true);
        p.patch(data.path("meta").path("patch_properties"));
        p.updated = r.account().now();
        return new Reply(200, single(profileResource(p, r), selfUrl(r)));
    }

    private Reply upsertProfile(Req r) {
        ObjectNode data = data(r.body(), "profile");
        ObjectNode attrs = attributes(data, "/data");
        JsonNode id = data.path("id");
        List<ApiError.Entry> problems = profileProblems(r, "create_or_update_profile", attrs, "/data/attributes", UPSERT_ATTRS,
                !id.isTextual());
        problems.addAll(metaProblems(data.path("meta"), "/data/meta"));
        failIf(problems);
        sizeCheck(data);
        ProfileState target = matchForUpsert(r.account(), id.isTextual() ? id.asText() : null, attrs);
        boolean created = target == null;
        if (created) {
            target = r.account().newProfile();
        }
        target.apply(attrs, true);
        target.patch(data.path("meta").path("patch_properties"));
        target.updated = r.account().now();
        return new Reply(created ? 201 : 200, single(profileResource(target, r), r.base() + "/api/profile-import/"));
    }

    /**
     * Upsert matching: by id when given (404 if absent, or if the email given belongs to another profile, as observed);
     * otherwise by email, phone_number, external_id; identifiers pointing at two profiles are a 409.
     */
    private static ProfileState matchForUpsert(EmulatedAccount account, String id, JsonNode attrs) {
        if (id != null) {
            ProfileState p = account.profiles.get(id);
            ProfileState other = p == null ? null : clash(account, attrs, p);
            if (p == null || other != null) {
                throw ApiError.notFound("A profile with id " + id + " does not exist.");
            }
            return p;
        }
        ProfileState found = null;
        for (String field : List.of("email", "phone_number", "external_id")) {
            JsonNode v = attrs.path(field);
            if (v.isTextual()) {
                ProfileState p = account.byField(field, v.asText());
                if (p != null) {
                    if (found != null && found != p) {
                        throw duplicate(p);
                    }
                    found = p;
                }
            }
        }
        return found;
    }

    private static void sizeCheck(JsonNode data) {
        if (bytes(data) > MAX_PROFILE_BYTES) {
            throw ApiError.of(413, "payload_too_large", "Request entity too large.", "A profile payload must not exceed 100 KB.", "/data", null);
        }
    }

    // ------------------------------------------------------------------ bulk import

    private Reply bulkImport(Req r) {
        ObjectNode data = data(r.body(), "profile-bulk-import-job");
        ObjectNode attrs = attributes(data, "/data");
        JsonNode profiles = attrs.path("profiles").path("data");
        if (!profiles.isArray()) {
            throw ApiError.invalid("'profiles.data' is a required array.", "/data/attributes/profiles/data");
        }
        if (profiles.isEmpty()) {
            throw ApiError.invalid("At least one profile is required.", "/data/attributes/profiles/data");
        }
        if (profiles.size() > MAX_BULK_PROFILES) {
            throw ApiError.invalid("A maximum of " + MAX_BULK_PROFILES + " profiles can be imported per request.", "/data/attributes/profiles/data");
        }
        List<ApiError.Entry> problems = new ArrayList<>();
        List<JsonNode> accepted = new ArrayList<>();
        for (int i = 0; i < profiles.size(); i++) {
            JsonNode p = profiles.get(i);
            String pointer = "/data/attributes/profiles/data/" + i;
            if (!p.isObject() || !"profile".equals(p.path("type").asText())) {
                problems.add(entry("Each profile must be a resource object of type 'profile'.", pointer + "/type"));
                continue;
            }
            JsonNode pa = p.path("attributes");
            if (!pa.isObject()) {
                problems.add(entry("'attributes' is a required object.", pointer + "/attributes"));
                continue;
            }
            problems.addAll(profileProblems(r, "bulk_import_profiles", pa, pointer + "/attributes", UPSERT_ATTRS, !p.path("id").isTextual()));
            problems.addAll(metaProblems(p.path("meta"), pointer + "/meta"));
            if (bytes(p) > MAX_PROFILE_BYTES) {
                problems.add(entry("A profile payload must not exceed 100 KB.", pointer));
            }
            accepted.add(p);
        }
        String listId = null;
        JsonNode lists = data.path("relationships").path("lists").path("data");
        if (!lists.isMissingNode() && !lists.isNull()) {
            if (!lists.isArray()) {
                problems.add(entry("'relationships.lists.data' must be an array.", "/data/relationships/lists/data"));
            } else if (lists.size() > 1) {
                problems.add(entry("Only one list can be attached to a bulk import job.", "/data/relationships/lists/data"));
            } else if (lists.size() == 1) {
                JsonNode item = lists.get(0);
                listId = item.path("id").asText(null);
                if (!"list".equals(item.path("type").asText()) || listId == null) {
                    problems.add(entry("A list relationship needs type 'list' and an id.", "/data/relationships/lists/data/0"));
                } else if (!r.account().lists.containsKey(listId)) {
                    problems.add(new ApiError.Entry("not_found", "Not found.", "A list with id " + listId + " does not exist.",
                            "/data/relationships/lists/data/0/id", null, Map.of()));
                }
            }
        }
        failIf(problems);
        EmulatedAccount.JobState job = new EmulatedAccount.JobState(Ids.jobId(), r.account().now(), accepted, listId);
        r.account().jobs.put(job.id, job);
        schedule(r.account(), job);
        return new Reply(202, single(jobResource(job, r.base()), r.base() + "/api/profile-bulk-import-jobs/"));
    }

    private void schedule(EmulatedAccount account, EmulatedAccount.JobState job) {
        Duration delay = emulator.faults().bulkJobDelay().orElse(emulator.config().bulkJobDelay());
        long total = Math.max(2, delay.toMillis());
        vertx.setTimer(Math.max(1, total / 2), t -> {
            synchronized (account) {
                if ("queued".equals(job.status)) {
                    job.status = "processing";
                    job.startedAt = account.now();
                }
            }
            vertx.setTimer(Math.max(1, total - total / 2), t2 -> complete(account, job));
        });
    }

    private void complete(EmulatedAccount account, EmulatedAccount.JobState job) {
        synchronized (account) {
            if (!account.jobs.containsKey(job.id)) {
                return; // reset meanwhile
            }
            EmulatedAccount.ListState list = job.listId == null ? null : account.lists.get(job.listId);
            for (int i = 0; i < job.profiles.size(); i++) {
                JsonNode p = job.profiles.get(i);
                JsonNode attrs = p.path("attributes");
                String pointer = "/data/attributes/profiles/data/" + i;
                String email = attrs.path("email").isTextual() ? attrs.path("email").asText() : null;
                if (emulator.faults().failsInBulk(email)) {
                    fail(job, "invalid", "Invalid input.", "The profile could not be imported.", pointer, p);
                    continue;
                }
                ProfileState target;
                try {
                    target = matchForUpsert(account, p.path("id").isTextual() ? p.path("id").asText() : null, attrs);
                } catch (ApiError e) {
                    ApiError.Entry first = e.entries.get(0);
                    fail(job, first.code(), first.title(), first.detail(), pointer, p);
                    continue;
                }
                if (target == null) {
                    target = account.newProfile();
                }
                // Bulk import does not clear fields with null (Klaviyo docs); unset is the way.
                target.apply(attrs, false);
                target.patch(p.path("meta").path("patch_properties"));
                target.updated = account.now();
                if (list != null) {
                    list.members.putIfAbsent(target.id, account.now());
                }
                job.profileIds.add(target.id);
                job.completed++;
            }
            if (job.startedAt == null) {
                job.startedAt = account.now();
            }
            job.status = "complete";
            job.completedAt = account.now();
            job.profiles.clear();
        }
    }

    private static void fail(EmulatedAccount.JobState job, String code, String title, String detail, String pointer, JsonNode payload) {
        job.errors.add(new BulkImportJob.ImportError(Ids.jobId(), code, title, detail, pointer, Json.toJava(payload)));
        job.failed++;
    }

    private EmulatedAccount.JobState job(Req r) {
        EmulatedAccount.JobState j = r.account().jobs.get(r.param(0));
        if (j == null) {
            throw ApiError.notFound("A bulk import job with id " + r.param(0) + " does not exist.");
        }
        return j;
    }

    private Reply getJobs(Req r) {
        Filter f = Filter.parse(r.query("filter"), Map.of("status", Set.of("equals")));
        List<EmulatedAccount.JobState> jobs = r.account().jobs.values().stream().filter(j -> f.matches(j, field -> j.status)).toList();
        return new Reply(200, page(r, jobs, j -> jobResource(j, r.base()), 20, 100));
    }

    private Reply getJob(Req r) {
        EmulatedAccount.JobState j = job(r);
        ObjectNode root = single(jobResource(j, r.base()), selfUrl(r));
        if (String.valueOf(r.query("include")).contains("lists") && j.listId != null && r.account().lists.containsKey(j.listId)) {
            root.putArray("included").add(listResource(r.account().lists.get(j.listId), r.base(), false));
        }
        return new Reply(200, root);
    }

    private Reply getJobErrors(Req r) {
        EmulatedAccount.JobState j = job(r);
        return new Reply(200, page(r, j.errors, e -> {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("type", "import-error");
            o.put("id", e.id());
            ObjectNode a = o.putObject("attributes");
            a.put("code", e.code());
            a.put("title", e.title());
            a.put("detail", e.detail());
            a.putObject("source").put("pointer", e.pointer());
            a.set("original_payload", Json.MAPPER.valueToTree(e.originalPayload()));
            return o;
        }, 20, 100));
    }

    private Reply jobProfiles(Req r, boolean idsOnly) {
        EmulatedAccount.JobState j = job(r);
        List<ProfileState> ps = j.profileIds.stream().map(r.account().profiles::get).filter(p -> p != null).toList();
        Function<ProfileState, JsonNode> render = idsOnly
                ? p -> Json.MAPPER.createObjectNode().put("type", "profile").put("id", p.id)
                : p -> profileResource(p, r);
        return new Reply(200, page(r, ps, render, 20, 100));
    }

    private Reply jobLists(Req r) {
        EmulatedAccount.JobState j = job(r);
        EmulatedAccount.ListState l = j.listId == null ? null : r.account().lists.get(j.listId);
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        if (l != null) {
            data.add(listResource(l, r.base(), false));
        }
        root.putObject("links").put("self", selfUrl(r));
        return new Reply(200, root);
    }

    // ------------------------------------------------------------------ privacy and consent

    private Reply deletionJob(Req r) {
        ObjectNode data = data(r.body(), "data-privacy-deletion-job");
        JsonNode profile = attributes(data, "/data").path("profile").path("data");
        if (!profile.isObject()) {
            throw ApiError.invalid("'profile.data' is required.", "/data/attributes/profile/data");
        }
        List<String> given = new ArrayList<>();
        if (profile.path("id").isTextual()) {
            given.add("id");
        }
        for (String k : List.of("email", "phone_number")) {
            if (profile.path("attributes").path(k).isTextual()) {
                given.add(k);
            }
        }
        if (given.size() != 1) {
            throw ApiError.invalid("Exactly one of id, email or phone_number must be given.", "/data/attributes/profile/data");
        }
        String field = given.get(0);
        String value = "id".equals(field) ? profile.path("id").asText() : profile.path("attributes").path(field).asText();
        r.account().deletionRequests.add(Json.write(r.body()));
        List<ProfileState> victims = r.account().allProfiles().stream()
                .filter(p -> "id".equals(field) ? p.id.equals(value)
                        : "email".equals(field) ? Faults.normalize(value).equals(p.email()) : value.equals(p.phone()))
                .toList();
        // Klaviyo deletes asynchronously; here it is immediate, which a caller cannot tell from a quick job.
        victims.forEach(r.account()::deleteProfile);
        return new Reply(202, null);
    }

    private Reply consentCall(Req r, String newConsent) {
        String operationId = match("POST", r.ctx().request().path(), new ArrayList<>()).map(Route::operationId).orElse("?");
        String body = Json.write(r.body());
        r.account().recordConsent(operationId, operationId, body);
        Set<String> emails = new LinkedHashSet<>();
        collectEmails(r.body(), emails);
        for (String email : emails) {
            ProfileState p = r.account().byEmail(email);
            if (p != null) {
                p.emailConsent = newConsent == null ? "NEVER_SUBSCRIBED" : newConsent;
            }
        }
        return new Reply(202, null);
    }

    private static void collectEmails(JsonNode node, Set<String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if ("email".equals(e.getKey()) && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    collectEmails(e.getValue(), out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectEmails(n, out));
        }
    }
}
