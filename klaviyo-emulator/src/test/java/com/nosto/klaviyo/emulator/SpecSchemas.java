package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The official spec's request and response schemas as JSON Schemas for networknt's validator. The spec is OpenAPI
 * 3.0 and needs three adaptations (see ../shared/klaviyo/NOTES.md): {@code $ref}s carry sibling keys (the ref wins),
 * {@code nullable: true} appears without a type (becomes "or null"), and bodies live under application/vnd.api+json.
 * Only the operations asked for are compiled, once each.
 */
final class SpecSchemas {

    static final String MEDIA = "application/vnd.api+json";

    private final JsonNode spec;
    private final Path path;
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    private final Map<String, JsonSchema> compiled = new HashMap<>();
    private final Map<String, JsonNode> operations = new HashMap<>();

    SpecSchemas(Path path) throws IOException {
        this.path = path;
        this.spec = Klaviyo.MAPPER.readTree(path.toFile());
        Iterator<Map.Entry<String, JsonNode>> paths = spec.path("paths").fields();
        while (paths.hasNext()) {
            paths.next().getValue().fields().forEachRemaining(op -> {
                if (op.getValue().has("operationId")) {
                    operations.put(op.getValue().get("operationId").asText(), op.getValue());
                }
            });
        }
    }

    /** The spec: system property {@code klaviyo.spec}, else ../shared/klaviyo/stable.json above the project root. */
    static SpecSchemas load() throws IOException {
        Path p = RateLimits.SpecLocator.find(null)
                .orElseThrow(() -> new IllegalStateException("Klaviyo spec not found: set -Dklaviyo.spec=/path/to/stable.json"));
        return new SpecSchemas(p);
    }

    Path path() {
        return path;
    }

    String revision() {
        return spec.path("info").path("version").asText();
    }

    JsonNode operation(String operationId) {
        JsonNode op = operations.get(operationId);
        if (op == null) {
            throw new IllegalArgumentException("No operation " + operationId + " in " + path);
        }
        return op;
    }

    Optional<JsonSchema> request(String operationId) {
        JsonNode schema = operation(operationId).path("requestBody").path("content").path(MEDIA).path("schema");
        return schema.isMissingNode() ? Optional.empty() : Optional.of(compile(operationId + " request", schema));
    }

    /** The schema for this status: the exact code, else 4XX/5XX; empty when the spec declares no body. */
    Optional<JsonSchema> response(String operationId, int status) {
        JsonNode responses = operation(operationId).path("responses");
        JsonNode response = responses.path(String.valueOf(status));
        if (response.isMissingNode()) {
            response = responses.path((status / 100) + "XX");
        }
        if (response.isMissingNode()) {
            throw new AssertionError(operationId + " declares no response " + status);
        }
        response = deref(response);
        JsonNode schema = response.path("content").path(MEDIA).path("schema");
        return schema.isMissingNode() ? Optional.empty() : Optional.of(compile(operationId + " " + status, schema));
    }

    boolean declaresStatus(String operationId, int status) {
        JsonNode responses = operation(operationId).path("responses");
        return responses.has(String.valueOf(status)) || responses.has((status / 100) + "XX");
    }

    static List<String> validate(JsonSchema schema, JsonNode body) {
        Set<ValidationMessage> messages = schema.validate(body);
        List<String> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.getMessage()));
        return out;
    }

    private synchronized JsonSchema compile(String name, JsonNode openApiSchema) {
        return compiled.computeIfAbsent(name, k -> factory.getSchema(toJsonSchema(openApiSchema, new ArrayList<>())));
    }

    private JsonNode deref(JsonNode node) {
        while (node.has("$ref")) {
            node = spec.at(node.get("$ref").asText().substring(1));
        }
        return node;
    }

    /** Inlines $refs (a ref cycle becomes "anything") and turns OpenAPI 3.0 nullable into JSON Schema's null type. */
    private JsonNode toJsonSchema(JsonNode node, List<String> refStack) {
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> out.add(toJsonSchema(n, refStack)));
            return out;
        }
        if (!node.isObject()) {
            return node;
        }
        if (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (refStack.contains(ref)) {
                return JsonNodeFactory.instance.objectNode();
            }
            refStack.add(ref);
            JsonNode resolved = toJsonSchema(spec.at(ref.substring(1)), refStack);
            refStack.remove(refStack.size() - 1);
            boolean nullable = node.path("nullable").asBoolean(false);
            return nullable ? orNull(resolved) : resolved;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = f.getKey();
            if (key.startsWith("x-") || key.equals("example") || key.equals("nullable") || key.equals("discriminator")) {
                continue;
            }
            if (key.equals("properties")) {
                ObjectNode props = out.putObject("properties");
                f.getValue().fields().forEachRemaining(p -> props.set(p.getKey(), toJsonSchema(p.getValue(), refStack)));
            } else if (Set.of("items", "additionalProperties", "not", "allOf", "oneOf", "anyOf").contains(key)) {
                out.set(key, toJsonSchema(f.getValue(), refStack));
            } else {
                out.set(key, f.getValue());
            }
        }
        return node.path("nullable").asBoolean(false) ? orNull(out) : out;
    }

    private static JsonNode orNull(JsonNode schema) {
        ObjectNode any = JsonNodeFactory.instance.objectNode();
        ArrayNode anyOf = any.putArray("anyOf");
        anyOf.add(schema);
        anyOf.addObject().put("type", "null");
        return any;
    }
}
