package com.nosto.klaviyo.emulator.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.nosto.klaviyo.emulator.RateLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Klaviyo's official OpenAPI spec ({@code klaviyo-emulator/spec/stable.json}) as something contract tests can check
 * against: operations by id with their method and path template, and their request and response bodies as JSON
 * Schemas for networknt's validator. Both sides use it: the emulator's contract test (what it answers) and the
 * gateway's (what it sends).
 *
 * <p>The spec is OpenAPI 3.0 and needs three adaptations (see docs/klaviyo-emulator.md): {@code $ref}s
 * carry sibling keys (the ref wins), {@code nullable: true} appears without a type (it becomes "or null"), and
 * bodies live under {@code application/vnd.api+json}. A {@code $ref} cycle becomes "anything". Schemas are compiled
 * on first use, once each.
 */
public final class OpenApiSpec {

    public static final String MEDIA = "application/vnd.api+json";
    private static final Set<String> NESTED = Set.of("items", "additionalProperties", "not", "allOf", "oneOf", "anyOf");
    private static OpenApiSpec shared;

    private final Path path;
    private final JsonNode spec;
    private final Map<String, JsonNode> operations = new HashMap<>();
    private final Map<String, String> pathOf = new HashMap<>();
    private final Map<String, String> methodOf = new HashMap<>();
    private final Map<String, JsonSchema> compiled = new HashMap<>();
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

    private OpenApiSpec(Path path) throws IOException {
        this.path = path;
        this.spec = new ObjectMapper().readTree(path.toFile());
        spec.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op -> {
            if (op.getValue().has("operationId")) {
                String id = op.getValue().get("operationId").asText();
                operations.put(id, op.getValue());
                pathOf.put(id, p.getKey());
                methodOf.put(id, op.getKey().toUpperCase());
            }
        }));
    }

    /** The spec from a file. */
    public static OpenApiSpec of(Path path) {
        try {
            return new OpenApiSpec(path);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the Klaviyo spec " + path, e);
        }
    }

    /**
     * The spec found as the emulator finds it (system property {@code klaviyo.spec}, env {@code KLAVIYO_SPEC}, else
     * {@code klaviyo-emulator/spec/stable.json} above the working directory), read once per JVM.
     */
    public static synchronized OpenApiSpec load() {
        if (shared == null) {
            Path p = RateLimits.SpecLocator.find(null).orElseThrow(() -> new IllegalStateException(
                    "Klaviyo spec not found: set -Dklaviyo.spec=/path/to/stable.json"));
            shared = of(p);
        }
        return shared;
    }

    public Path path() {
        return path;
    }

    /** The API revision the spec describes, e.g. 2026-07-15. */
    public String revision() {
        return spec.path("info").path("version").asText();
    }

    public boolean hasOperation(String operationId) {
        return operations.containsKey(operationId);
    }

    /** The operation object; throws for an id the spec does not have. */
    public JsonNode operation(String operationId) {
        JsonNode op = operations.get(operationId);
        if (op == null) {
            throw new IllegalArgumentException("No operation " + operationId + " in " + path);
        }
        return op;
    }

    /** Upper-case HTTP method of the operation. */
    public String method(String operationId) {
        operation(operationId);
        return methodOf.get(operationId);
    }

    /** The operation's path template, e.g. {@code /api/lists/{id}}. */
    public String pathTemplate(String operationId) {
        operation(operationId);
        return pathOf.get(operationId);
    }

    /** The operation's parameters with their {@code $ref}s resolved. */
    public List<JsonNode> parameters(String operationId) {
        List<JsonNode> out = new ArrayList<>();
        operation(operationId).path("parameters").forEach(p -> out.add(deref(p)));
        return out;
    }

    /** The request body's schema; empty when the operation takes no body. */
    public Optional<JsonSchema> request(String operationId) {
        JsonNode schema = operation(operationId).path("requestBody").path("content").path(MEDIA).path("schema");
        return schema.isMissingNode() ? Optional.empty() : Optional.of(compile(operationId + " request", schema));
    }

    public boolean requiresBody(String operationId) {
        return operation(operationId).path("requestBody").path("required").asBoolean(false);
    }

    /** The response schema for this status: the exact code, else 4XX/5XX; empty when the spec declares no body. */
    public Optional<JsonSchema> response(String operationId, int status) {
        JsonNode responses = operation(operationId).path("responses");
        JsonNode response = responses.path(String.valueOf(status));
        if (response.isMissingNode()) {
            response = responses.path((status / 100) + "XX");
        }
        if (response.isMissingNode()) {
            throw new AssertionError(operationId + " declares no response " + status);
        }
        JsonNode schema = deref(response).path("content").path(MEDIA).path("schema");
        return schema.isMissingNode() ? Optional.empty() : Optional.of(compile(operationId + " " + status, schema));
    }

    public boolean declaresStatus(String operationId, int status) {
        JsonNode responses = operation(operationId).path("responses");
        return responses.has(String.valueOf(status)) || responses.has((status / 100) + "XX");
    }

    /** The validator's messages for this body; empty when it conforms. */
    public static List<String> validate(JsonSchema schema, JsonNode body) {
        List<String> out = new ArrayList<>();
        schema.validate(body).forEach(m -> out.add(m.getMessage()));
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
            return node.path("nullable").asBoolean(false) ? orNull(resolved) : resolved;
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
            } else if (NESTED.contains(key)) {
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
