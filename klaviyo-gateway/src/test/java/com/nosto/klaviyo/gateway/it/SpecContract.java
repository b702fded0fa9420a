package com.nosto.klaviyo.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nosto.klaviyo.emulator.spec.OpenApiSpec;
import com.nosto.klaviyo.gateway.client.SentRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a request the gateway sent against the official spec ({@code klaviyo-emulator/spec/stable.json}, through the
 * emulator module's {@link OpenApiSpec}, which the emulator's own contract test uses too): the operation exists at
 * that method and path, every required header and only declared query parameters are sent, and the body validates
 * against the operation's request schema.
 */
final class SpecContract {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenApiSpec spec;

    private SpecContract(OpenApiSpec spec) {
        this.spec = spec;
    }

    static SpecContract load() {
        return new SpecContract(OpenApiSpec.load());
    }

    /** Problems with this request; empty when it conforms. */
    List<String> violations(SentRequest r) {
        String id = r.operation().operationId();
        if (!spec.hasOperation(id)) {
            return List.of(id + ": no such operation in the spec");
        }
        List<String> out = new ArrayList<>();
        if (!spec.method(id).equals(r.method())) {
            out.add(id + ": method " + r.method() + " but spec says " + spec.method(id));
        }
        String template = spec.pathTemplate(id);
        if (!r.path().matches(template.replaceAll("\\{[^}]+}", "[^/]+"))) {
            out.add(id + ": path " + r.path() + " does not match " + template);
        }
        Set<String> declaredQuery = new HashSet<>();
        for (JsonNode param : spec.parameters(id)) {
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
        if (r.body() != null) {
            spec.request(id).ifPresentOrElse(schema -> {
                if (!OpenApiSpec.MEDIA.equals(r.headers().get("Content-Type"))) {
                    out.add(id + ": Content-Type is not " + OpenApiSpec.MEDIA);
                }
                try {
                    OpenApiSpec.validate(schema, JSON.readTree(r.body().encode())).forEach(m -> out.add(id + ": " + m));
                } catch (IOException e) {
                    out.add(id + ": body unreadable " + e.getMessage());
                }
            }, () -> out.add(id + ": sends a body the spec does not declare"));
        } else if (spec.requiresBody(id)) {
            out.add(id + ": required body missing");
        }
        return out;
    }
}
