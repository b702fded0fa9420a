package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * JSON:API as Klaviyo speaks it, for every operation of the emulator: documents ({@code data}, {@code links},
 * cursor pages with full next/prev URLs, timestamps) and the checks every request body goes through (resource
 * type, attributes, Klaviyo's error entries).
 */
final class JsonApi {

    static final String JSON_API = "application/vnd.api+json";
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);

    private JsonApi() {
    }

    static String ts(Instant i) {
        return i == null ? null : TS.format(i);
    }

    static ObjectNode links(ObjectNode parent, String self, String related) {
        ObjectNode l = parent.putObject("links");
        if (self != null) {
            l.put("self", self);
        }
        if (related != null) {
            l.put("related", related);
        }
        return l;
    }

    static ObjectNode single(JsonNode data, String self) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("data", data);
        root.putObject("links").put("self", self);
        return root;
    }

    static String selfUrl(Req r) {
        String q = r.ctx().request().query();
        return r.base() + r.ctx().request().path() + (q == null || q.isEmpty() ? "" : "?" + q);
    }

    /**
     * Cursor paging over an append-only in-memory list (jobs, their profiles and errors): the cursor is an offset,
     * which stays valid because nothing is ever removed from those lists.
     */
    static <T> ObjectNode page(Req r, List<T> items, Function<T, JsonNode> render, int defaultSize, int maxSize) {
        int size = pageSize(r, defaultSize, maxSize);
        int offset = 0;
        Cursor cursor = cursor(r);
        if (cursor != null) {
            if (cursor.kind() != 'o') {
                throw ApiError.invalidParam("Invalid page cursor.", "page[cursor]");
            }
            offset = (int) Math.min(Integer.MAX_VALUE, Math.max(0, cursor.value()));
        }
        int start = Math.min(offset, items.size());
        int end = Math.min(items.size(), start + size);
        return document(r, items.subList(start, end), render, end < items.size() ? encode('o', end) : null,
                offset > 0 ? encode('o', Math.max(0, offset - size)) : null);
    }

    /**
     * Cursor paging by position, as Klaviyo's cursors behave: {@code items} are in ascending {@code keyOf} order (a
     * creation or join position that never changes), and a cursor names the key it continues after ({@code next})
     * or stops before ({@code prev}). Items removed or added between two pages move no boundary: nothing is skipped
     * or repeated, and what joined since shows up on a later page.
     */
    static <T> ObjectNode page(Req r, List<T> items, ToLongFunction<T> keyOf, Function<T, JsonNode> render, int defaultSize, int maxSize) {
        int size = pageSize(r, defaultSize, maxSize);
        int start = 0;
        int end;
        Cursor cursor = cursor(r);
        if (cursor == null || cursor.kind() == 'a') {
            start = cursor == null ? 0 : firstAbove(items, keyOf, cursor.value());
            end = Math.min(items.size(), start + size);
        } else if (cursor.kind() == 'b') {
            end = firstAbove(items, keyOf, cursor.value() - 1);
            start = Math.max(0, end - size);
        } else {
            throw ApiError.invalidParam("Invalid page cursor.", "page[cursor]");
        }
        String next = end >= items.size() ? null : encode('a', end == 0 ? Long.MIN_VALUE : keyOf.applyAsLong(items.get(end - 1)));
        return document(r, items.subList(start, end), render, next, start > 0 ? encode('b', keyOf.applyAsLong(items.get(start))) : null);
    }

    private static <T> ObjectNode document(Req r, List<T> page, Function<T, JsonNode> render, String next, String prev) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        page.forEach(item -> data.add(render.apply(item)));
        ObjectNode links = root.putObject("links");
        links.put("self", selfUrl(r));
        if (next != null) {
            links.put("next", withCursor(r, next));
        }
        if (prev != null) {
            links.put("prev", withCursor(r, prev));
        }
        return root;
    }

    /** Index of the first item whose key is greater than {@code key} (binary search: keys ascend). */
    private static <T> int firstAbove(List<T> items, ToLongFunction<T> keyOf, long key) {
        int lo = 0;
        int hi = items.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keyOf.applyAsLong(items.get(mid)) <= key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static int pageSize(Req r, int defaultSize, int maxSize) {
        String sizeText = r.query("page[size]");
        if (sizeText == null) {
            return defaultSize;
        }
        int size;
        try {
            size = Integer.parseInt(sizeText.trim());
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size < 1 || size > maxSize) {
            throw ApiError.invalidParam("Page size must be an integer between 1 and " + maxSize + ".", "page[size]");
        }
        return size;
    }

    /** An opaque cursor: a kind (o = offset, a = after key, b = before key) and a number. */
    private record Cursor(char kind, long value) {
    }

    private static Cursor cursor(Req r) {
        String cursor = r.query("page[cursor]");
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (decoded.length() < 3 || decoded.charAt(1) != ':' || "oab".indexOf(decoded.charAt(0)) < 0) {
                throw new IllegalArgumentException();
            }
            return new Cursor(decoded.charAt(0), Long.parseLong(decoded.substring(2)));
        } catch (RuntimeException e) {
            throw ApiError.invalidParam("Invalid page cursor.", "page[cursor]");
        }
    }

    private static String encode(char kind, long value) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((kind + ":" + value).getBytes(StandardCharsets.UTF_8));
    }

    private static String withCursor(Req r, String cursor) {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : r.ctx().request().params()) {
            if (e.getKey().equals("page[cursor]")) {
                continue;
            }
            q.append(q.length() == 0 ? "" : "&").append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        }
        q.append(q.length() == 0 ? "" : "&").append(enc("page[cursor]")).append('=').append(cursor);
        return r.base() + r.ctx().request().path() + "?" + q;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static ObjectNode data(JsonNode body, String type) {
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

    static ObjectNode attributes(JsonNode data, String pointer) {
        JsonNode a = data.path("attributes");
        if (!a.isObject()) {
            throw ApiError.invalid("'attributes' is a required object.", pointer + "/attributes");
        }
        return (ObjectNode) a;
    }

    static ApiError.Entry entry(String detail, String pointer) {
        return new ApiError.Entry("invalid", "Invalid input.", detail, pointer, null, Map.of());
    }

    static void failIf(List<ApiError.Entry> problems) {
        if (!problems.isEmpty()) {
            throw ApiError.many(400, problems);
        }
    }

    static int bytes(JsonNode node) {
        return Json.write(node).getBytes(StandardCharsets.UTF_8).length;
    }
}
