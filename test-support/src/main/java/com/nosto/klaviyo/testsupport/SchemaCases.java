package com.nosto.klaviyo.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bad input generated from a JSON Schema of the contract ({@code events/src/main/resources/schemas}): for every
 * property the schema declares, at any depth (through {@code $ref}, {@code allOf}/{@code anyOf}/{@code oneOf},
 * {@code properties} and {@code items}), a copy of a valid document with that property set to each JSON type the
 * schema does not allow there: a numeric string, epoch seconds as a number, a fraction, a boolean, an object, an
 * array. Tests send them where the contract is read (Kafka, REST) and expect each to be refused.
 */
public final class SchemaCases {

    /** One bad document: the JSON pointer of the wrong value, the value, and the whole document. */
    public record Case(String pointer, JsonNode value, JsonNode document) {
        @Override
        public String toString() {
            return pointer + " = " + value;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** One value of each JSON type; null is left out (an absent or null field is the validators' concern). */
    private static final Map<String, JsonNode> WRONG = new LinkedHashMap<>();

    static {
        WRONG.put("string", NODES.textNode("1700000000"));
        WRONG.put("integer", NODES.numberNode(1700000000L));
        WRONG.put("number", NODES.numberNode(1.5));
        WRONG.put("boolean", NODES.booleanNode(true));
        WRONG.put("object", NODES.objectNode().put("value", "x"));
        WRONG.put("array", NODES.arrayNode().add("x"));
    }

    private SchemaCases() {
    }

    /** A schema from the classpath, e.g. {@code schemas/segment-event.schema.json}. */
    public static JsonNode schema(String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(resource + " is not on the classpath");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every property's wrong-typed variants of {@code valid} (which the schema accepts). */
    public static List<Case> wrongTypes(JsonNode schema, JsonNode valid) {
        Map<String, Set<String>> allowed = new LinkedHashMap<>();
        walk(schema, schema, "", allowed, 0);
        List<Case> cases = new ArrayList<>();
        allowed.forEach((pointer, types) -> {
            if (types.isEmpty()) {
                return; // the schema allows any type there
            }
            WRONG.forEach((type, value) -> {
                boolean ok = types.contains(type) || (type.equals("integer") && types.contains("number"));
                if (!ok) {
                    cases.add(new Case(pointer, value, with(valid, pointer, value)));
                }
            });
        });
        return cases;
    }

    /** Collects, per instance pointer, the JSON types the schema allows there. */
    private static void walk(JsonNode root, JsonNode node, String pointer, Map<String, Set<String>> allowed, int depth) {
        if (depth > 20 || node == null || !node.isObject()) {
            return;
        }
        if (node.has("$ref")) {
            walk(root, resolve(root, node.get("$ref").asText()), pointer, allowed, depth + 1);
        }
        for (String combinator : new String[] {"allOf", "anyOf", "oneOf"}) {
            for (JsonNode branch : node.path(combinator)) {
                walk(root, branch, pointer, allowed, depth + 1);
            }
        }
        Iterator<Map.Entry<String, JsonNode>> properties = node.path("properties").fields();
        while (properties.hasNext()) {
            Map.Entry<String, JsonNode> p = properties.next();
            String child = pointer + "/" + p.getKey();
            allowed.computeIfAbsent(child, k -> new LinkedHashSet<>()).addAll(types(root, p.getValue(), 0));
            walk(root, p.getValue(), child, allowed, depth + 1);
        }
        if (node.has("items")) {
            String child = pointer + "/0";
            allowed.computeIfAbsent(child, k -> new LinkedHashSet<>()).addAll(types(root, node.get("items"), 0));
            walk(root, node.get("items"), child, allowed, depth + 1);
        }
    }

    /** The JSON types a subschema allows ({@code type}, {@code const}, {@code enum}, through refs and combinators). */
    private static Set<String> types(JsonNode root, JsonNode node, int depth) {
        Set<String> out = new LinkedHashSet<>();
        if (depth > 20 || node == null || !node.isObject()) {
            return out;
        }
        JsonNode type = node.get("type");
        if (type != null) {
            if (type.isArray()) {
                type.forEach(t -> out.add(t.asText()));
            } else {
                out.add(type.asText());
            }
        }
        if (node.has("const")) {
            out.add(typeOf(node.get("const")));
        }
        node.path("enum").forEach(v -> out.add(typeOf(v)));
        if (node.has("$ref")) {
            out.addAll(types(root, resolve(root, node.get("$ref").asText()), depth + 1));
        }
        for (String combinator : new String[] {"allOf", "anyOf", "oneOf"}) {
            node.path(combinator).forEach(b -> out.addAll(types(root, b, depth + 1)));
        }
        return out;
    }

    private static String typeOf(JsonNode v) {
        return v.isTextual() ? "string" : v.isIntegralNumber() ? "integer" : v.isNumber() ? "number"
                : v.isBoolean() ? "boolean" : v.isArray() ? "array" : v.isObject() ? "object" : "null";
    }

    private static JsonNode resolve(JsonNode root, String ref) {
        if (!ref.startsWith("#")) {
            throw new IllegalArgumentException("only local $refs are followed: " + ref);
        }
        return root.at(ref.substring(1));
    }

    /** A copy of {@code doc} with {@code value} at {@code pointer}, creating missing objects and array slots. */
    private static JsonNode with(JsonNode doc, String pointer, JsonNode value) {
        JsonNode copy = doc.deepCopy();
        String[] tokens = pointer.substring(1).split("/");
        JsonNode parent = copy;
        for (int i = 0; i < tokens.length - 1; i++) {
            parent = child(parent, tokens[i], tokens[i + 1].matches("[0-9]+"));
        }
        String last = tokens[tokens.length - 1];
        if (parent instanceof ArrayNode a) {
            int index = Integer.parseInt(last);
            while (a.size() <= index) {
                a.add(NODES.nullNode());
            }
            a.set(index, value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
        return copy;
    }

    private static JsonNode child(JsonNode parent, String token, boolean array) {
        if (parent instanceof ArrayNode a) {
            int index = Integer.parseInt(token);
            while (a.size() <= index) {
                a.add(array ? NODES.arrayNode() : NODES.objectNode());
            }
            return a.get(index);
        }
        ObjectNode o = (ObjectNode) parent;
        JsonNode existing = o.get(token);
        if (existing == null || !existing.isContainerNode()) {
            existing = array ? o.putArray(token) : o.putObject(token);
        }
        return existing;
    }
}
