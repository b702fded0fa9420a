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

    /** Cursor paging over an in-memory list: the cursor is an opaque offset, links.next/prev are full URLs. */
    static <T> ObjectNode page(Req r, List<T> items, Function<T, JsonNode> render, int defaultSize, int maxSize) {
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
