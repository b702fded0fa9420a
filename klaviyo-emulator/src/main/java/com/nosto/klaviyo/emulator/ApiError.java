package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A Klaviyo error answer: one status, one or more entries of {@code errors[]}. */
final class ApiError extends RuntimeException {

    record Entry(String code, String title, String detail, String pointer, String parameter, Map<String, Object> meta) {
    }

    final int status;
    final List<Entry> entries;
    final Map<String, String> headers;

    ApiError(int status, List<Entry> entries, Map<String, String> headers) {
        super(status + " " + (entries.isEmpty() ? "" : entries.get(0).detail()), null, false, false);
        this.status = status;
        this.entries = List.copyOf(entries);
        this.headers = Map.copyOf(headers);
    }

    static ApiError of(int status, String code, String title, String detail, String pointer, String parameter) {
        return new ApiError(status, List.of(new Entry(code, title, detail, pointer, parameter, Map.of())), Map.of());
    }

    static ApiError invalid(String detail, String pointer) {
        return of(400, "invalid", "Invalid input.", detail, pointer, null);
    }

    static ApiError invalidParam(String detail, String parameter) {
        return of(400, "invalid", "Invalid input.", detail, null, parameter);
    }

    static ApiError notFound(String detail) {
        return of(404, "not_found", "Not found.", detail, null, null);
    }

    static ApiError many(int status, List<Entry> entries) {
        return new ApiError(status, new ArrayList<>(entries), Map.of());
    }

    ObjectNode body() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode errors = root.putArray("errors");
        for (Entry e : entries) {
            ObjectNode item = errors.addObject();
            item.put("id", UUID.randomUUID().toString());
            item.put("status", status);
            item.put("code", e.code());
            item.put("title", e.title());
            item.put("detail", e.detail());
            ObjectNode source = item.putObject("source");
            if (e.pointer() != null) {
                source.put("pointer", e.pointer());
            }
            if (e.parameter() != null) {
                source.put("parameter", e.parameter());
            }
            item.putObject("links");
            item.set("meta", Json.MAPPER.valueToTree(e.meta()));
        }
        return root;
    }
}
