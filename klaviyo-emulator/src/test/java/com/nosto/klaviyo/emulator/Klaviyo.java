package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A tiny Klaviyo client for tests: sends what a correct client sends, and lets a test leave any of it out. */
final class Klaviyo {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    record Response(int status, Map<String, List<String>> headers, JsonNode body, String text) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0)).orElse(null);
        }

        JsonNode error() {
            return body.path("errors").path(0);
        }
    }

    private final String baseUrl;
    private final String apiKey;
    private final Map<String, String> headers = new LinkedHashMap<>();

    Klaviyo(String baseUrl, String apiKey) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
        if (apiKey != null) {
            headers.put("Authorization", "Klaviyo-API-Key " + apiKey);
        }
        headers.put("revision", "2026-07-15");
        headers.put("Accept", "application/vnd.api+json");
        headers.put("Content-Type", "application/vnd.api+json");
    }

    static String uniqueKey() {
        return "pk_test_" + UUID.randomUUID().toString().replace("-", "");
    }

    static String uniqueEmail(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    Klaviyo header(String name, String value) {
        Klaviyo copy = new Klaviyo(baseUrl, apiKey);
        copy.headers.clear();
        copy.headers.putAll(headers);
        if (value == null) {
            copy.headers.remove(name);
        } else {
            copy.headers.put(name, value);
        }
        return copy;
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    Response get(String pathAndQuery) {
        return send("GET", pathAndQuery, null);
    }

    Response post(String path, Object body) {
        return send("POST", path, body);
    }

    Response patch(String path, Object body) {
        return send("PATCH", path, body);
    }

    Response delete(String path, Object body) {
        return send("DELETE", path, body);
    }

    Response send(String method, String path, Object body) {
        String text = body == null ? null : body instanceof String s ? s : write(body);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : baseUrl + path)).timeout(Duration.ofSeconds(20));
        headers.forEach((k, v) -> {
            if (!(text == null && k.equals("Content-Type"))) {
                b.header(k, v);
            }
        });
        b.method(method, text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            boolean isJson = r.headers().firstValue("Content-Type").orElse("").contains("json");
            JsonNode json = r.body() == null || r.body().isBlank() || !isJson ? MAPPER.missingNode() : MAPPER.readTree(r.body());
            return new Response(r.statusCode(), r.headers().map(), json, r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- request bodies, as Klaviyo's docs show them ----

    static Map<String, Object> listBody(String name) {
        return Map.of("data", Map.of("type", "list", "attributes", Map.of("name", name)));
    }

    static Map<String, Object> profileBody(Map<String, Object> attributes) {
        return Map.of("data", Map.of("type", "profile", "attributes", attributes));
    }

    static Map<String, Object> patchBody(String id, Map<String, Object> attributes, Map<String, Object> patchProperties) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "profile");
        data.put("id", id);
        data.put("attributes", attributes);
        if (patchProperties != null) {
            data.put("meta", Map.of("patch_properties", patchProperties));
        }
        return Map.of("data", data);
    }

    static Map<String, Object> idsBody(List<String> ids) {
        return Map.of("data", ids.stream().map(id -> Map.of("type", "profile", "id", id)).toList());
    }

    static Map<String, Object> bulkBody(List<Map<String, Object>> profileAttributes, String listId) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "profile-bulk-import-job");
        data.put("attributes", Map.of("profiles", Map.of("data",
                profileAttributes.stream().map(a -> Map.of("type", "profile", "attributes", a)).toList())));
        if (listId != null) {
            data.put("relationships", Map.of("lists", Map.of("data", List.of(Map.of("type", "list", "id", listId)))));
        }
        return Map.of("data", data);
    }

    // ---- shortcuts ----

    String createList(String name) {
        Response r = post("/api/lists", listBody(name));
        if (r.status() != 201) {
            throw new AssertionError("create list: " + r.status() + " " + r.text());
        }
        return r.body().path("data").path("id").asText();
    }

    String upsert(String email, Map<String, Object> properties) {
        Response r = post("/api/profile-import", profileBody(Map.of("email", email, "properties", properties)));
        if (r.status() != 201 && r.status() != 200) {
            throw new AssertionError("profile-import: " + r.status() + " " + r.text());
        }
        return r.body().path("data").path("id").asText();
    }
}
