package com.nosto.klaviyo.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.nosto.klaviyo.gateway.client.SentRequest;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a sent request against the official spec ({@code ../shared/klaviyo/stable.json}): the operation exists at
 * that method and path, every required header and only declared query parameters are sent, and the body validates
 * against the operation's request schema. Same library and OpenAPI 3.0 adaptations as the emulator's contract test
 * ($ref inlined, {@code nullable} as "or null"); that helper is test-scoped in the emulator module, so not reusable.
 */
final class SpecContract {

    private static final String MEDIA = "application/vnd.api+json";
    private static SpecContract instance;

    private final JsonNode spec;
    private final Map<String, JsonNode> operations = new HashMap<>();
    private final Map<String, String> pathOf = new HashMap<>();
    private final Map<String, String> methodOf = new HashMap<>();
    private final Map<String, JsonSchema> compiled = new HashMap<>();
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

    private SpecContract(Path file) throws IOException {
        spec = new ObjectMapper().readTree(file.toFile());
        spec.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op -> {
            if (op.getValue().has("operationId")) {
                String id = op.getValue().get("operationId").asText();
                operations.put(id, op.getValue());
                pathOf.put(id, p.getKey());
                methodOf.put(id, op.getKey().toUpperCase());
            }
        }));
    }

    static synchronized SpecContract load() throws IOException {
        if (instance == null) {
            String prop = System.getProperty("klaviyo.spec");
            Path file = prop != null ? Path.of(prop) : locate();
            instance = new SpecContract(file);
        }
        return instance;
    }

    private static Path locate() {
        Path root = ProjectRoot.find();
        for (Path dir = root; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/klaviyo/stable.json");
            if (Files.exists(candidate)) {
                return candidate;
            }
            Path sibling = dir.resolveSibling("shared").resolve("klaviyo/stable.json");
            if (Files.exists(sibling)) {
                return sibling;
            }
        }
        throw new IllegalStateException("../shared/klaviyo/stable.json not found above " + root);
    }

    /** Problems with this request; empty when it conforms. */
    List<String> violations(SentRequest r) {
        List<String> out = new ArrayList<>();
        String id = r.operation().operationId();
        JsonNode op = operations.get(id);
        if (op == null) {
            return List.of(id + ": no such operation in the spec");
        }
        if (!methodOf.get(id).equals(r.method())) {
            out.add(id + ": method " + r.method() + " but spec says " + methodOf.get(id));
        }
        String template = pathOf.get(id);
        if (!r.path().matches(template.replaceAll("\\{[^}]+}", "[^/]+"))) {
            out.add(id + ": path " + r.path() + " does not match " + template);
        }
        Set<String> declaredQuery = new HashSet<>();
        for (JsonNode p : op.path("parameters")) {
            JsonNode param = deref(p);
            String in = param.path("in").asText();
            String name = param.path("name").asText();
            if ("query".equals(in)) {
                declaredQuery.add(name);
            }
            if ("header".equals(in) && param.path("required").asBoolean() && !r.headers().containsKey(name)) {
                out.add(id + ": required header " + name + " missing");
            }
        }
        r.query().keySet().stream().filter(q -> !declaredQuery.contains(q))
                .forEach(q -> out.add(id + ": query parameter " + q + " not declared"));
        JsonNode bodySchema = op.path("requestBody").path("content").path(MEDIA).path("schema");
        if (r.body() != null) {
            if (bodySchema.isMissingNode()) {
                out.add(id + ": sends a body the spec does not declare");
            } else {
                if (!MEDIA.equals(r.headers().get("Content-Type"))) {
                    out.add(id + ": Content-Type is not " + MEDIA);
                }
                try {
                    JsonNode body = new ObjectMapper().readTree(r.body().encode());
                    schema(id, bodySchema).validate(body).forEach(m -> out.add(id + ": " + m.getMessage()));
                } catch (IOException e) {
                    out.add(id + ": body unreadable " + e.getMessage());
                }
            }
        } else if (op.path("requestBody").path("required").asBoolean()) {
            out.add(id + ": required body missing");
        }
        return out;
    }

    private synchronized JsonSchema schema(String id, JsonNode openApi) {
        return compiled.computeIfAbsent(id, k -> factory.getSchema(toJsonSchema(openApi, new ArrayList<>())));
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
