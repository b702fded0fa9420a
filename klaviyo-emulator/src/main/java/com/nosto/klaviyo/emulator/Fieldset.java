package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A JSON:API sparse fieldset as Klaviyo takes it ({@code fields[profile]=email,properties,location.city}): the
 * attributes to keep, where a dotted name keeps one field of an object attribute. A name the spec does not list for
 * the resource is a 400 pointing at the parameter, as is an {@code additional-fields} value it does not list.
 */
final class Fieldset {

    static final Fieldset ALL = new Fieldset(null, Map.of());

    /** Top-level names kept whole; null keeps everything. */
    private final Set<String> whole;
    /** Object attributes kept in part: name → the fields kept inside it. */
    private final Map<String, Fieldset> nested;

    private Fieldset(Set<String> whole, Map<String, Fieldset> nested) {
        this.whole = whole;
        this.nested = nested;
    }

    /**
     * @param parameter   the query parameter, e.g. {@code fields[profile]}
     * @param allowed     the top-level names the spec lists for it
     * @param objectNames the names that may be followed by a dotted path (location, subscriptions, …)
     */
    static Fieldset parse(KlaviyoApi.Req r, String parameter, Set<String> allowed, Set<String> objectNames) {
        String text = r.query(parameter);
        if (text == null || text.isBlank()) {
            return ALL;
        }
        Set<String> names = new LinkedHashSet<>();
        for (String name : text.split(",")) {
            String n = name.trim();
            int dot = n.indexOf('.');
            String top = dot < 0 ? n : n.substring(0, dot);
            if (n.isEmpty() || !allowed.contains(top) || (dot >= 0 && (!objectNames.contains(top) || dot == n.length() - 1))) {
                throw ApiError.invalidParam("'" + n + "' is not a valid field for " + parameter + ".", parameter);
            }
            names.add(n);
        }
        return of(names);
    }

    private static Fieldset of(Set<String> names) {
        Set<String> whole = new HashSet<>();
        Map<String, Set<String>> inner = new HashMap<>();
        for (String n : names) {
            int dot = n.indexOf('.');
            if (dot < 0) {
                whole.add(n);
            } else {
                inner.computeIfAbsent(n.substring(0, dot), k -> new LinkedHashSet<>()).add(n.substring(dot + 1));
            }
        }
        Map<String, Fieldset> nested = new HashMap<>();
        inner.forEach((k, v) -> nested.put(k, of(v)));
        return new Fieldset(whole, nested);
    }

    /** Removes from {@code attributes} what the fieldset leaves out, keeping the names in {@code always}. */
    void prune(ObjectNode attributes, Set<String> always) {
        if (whole == null) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = attributes.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (whole.contains(name) || always.contains(name)) {
                continue;
            }
            Fieldset inside = nested.get(name);
            if (inside != null && e.getValue().isObject()) {
                inside.prune((ObjectNode) e.getValue(), Set.of());
            } else {
                it.remove();
            }
        }
    }

    /** The values of an {@code additional-fields[…]} parameter, each one the spec lists for it. */
    static Set<String> additional(KlaviyoApi.Req r, String parameter, Set<String> allowed) {
        String text = r.query(parameter);
        Set<String> out = new LinkedHashSet<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String v : text.split(",")) {
            if (!allowed.contains(v.trim())) {
                throw ApiError.invalidParam("'" + v.trim() + "' is not a valid value for " + parameter + ".", parameter);
            }
            out.add(v.trim());
        }
        return out;
    }
}
