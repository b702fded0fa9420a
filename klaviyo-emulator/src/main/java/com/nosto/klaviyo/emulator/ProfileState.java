package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Mutable profile state inside an account; guarded by the account's lock. */
final class ProfileState {

    static final List<String> STANDARD = List.of("email", "phone_number", "external_id", "first_name", "last_name",
            "organization", "locale", "title", "image", "location", "properties");
    /** The attributes that identify a profile (a merge never moves them from one profile to another). */
    static final List<String> IDENTIFIERS = List.of("email", "phone_number", "external_id");

    /** Told when a profile's email changes, so the account's email index follows. */
    interface EmailListener {
        void emailChanged(ProfileState profile, String before, String after);
    }

    final String id;
    /** Creation order within the account (the order of its profile map). */
    final long seq;
    private final EmailListener emailListener;
    final Map<String, Object> attributes = new LinkedHashMap<>();
    final Map<String, Object> properties = new LinkedHashMap<>();
    String emailConsent = "NEVER_SUBSCRIBED";
    final Instant created;
    Instant updated;

    ProfileState(String id, long seq, Instant now, EmailListener emailListener) {
        this.id = id;
        this.seq = seq;
        this.emailListener = emailListener;
        this.created = now;
        this.updated = now;
    }

    String email() {
        return (String) attributes.get("email");
    }

    String phone() {
        return (String) attributes.get("phone_number");
    }

    String externalId() {
        return (String) attributes.get("external_id");
    }

    /**
     * Applies JSON:API attributes. A field left out stays unchanged; {@code null} clears it when {@code nullClears}
     * (create/update/upsert) and is ignored otherwise (bulk import does not support clearing by null). Custom
     * properties merge key by key.
     */
    void apply(JsonNode attrs, boolean nullClears) {
        String emailBefore = email();
        applyFields(attrs, nullClears);
        String emailAfter = email();
        if (!java.util.Objects.equals(emailBefore, emailAfter)) {
            emailListener.emailChanged(this, emailBefore, emailAfter);
        }
    }

    /** Sets the (normalised) email directly, as a seeded profile does. */
    void setEmail(String email) {
        String before = email();
        attributes.put("email", Faults.normalize(email));
        emailListener.emailChanged(this, before, email());
    }

    private void applyFields(JsonNode attrs, boolean nullClears) {
        Iterator<Map.Entry<String, JsonNode>> it = attrs.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (!STANDARD.contains(key)) {
                continue;
            }
            if (value.isNull()) {
                if (nullClears) {
                    if ("properties".equals(key)) {
                        properties.clear();
                    } else {
                        attributes.remove(key);
                    }
                }
                continue;
            }
            if ("properties".equals(key)) {
                Iterator<Map.Entry<String, JsonNode>> props = value.fields();
                while (props.hasNext()) {
                    Map.Entry<String, JsonNode> p = props.next();
                    if (p.getValue().isNull()) {
                        if (nullClears) {
                            properties.remove(p.getKey());
                        }
                    } else {
                        properties.put(p.getKey(), Json.toJava(p.getValue()));
                    }
                }
            } else if ("email".equals(key)) {
                attributes.put(key, Faults.normalize(value.asText()));
            } else if ("location".equals(key)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> loc = (Map<String, Object>) attributes.computeIfAbsent("location", k -> new LinkedHashMap<String, Object>());
                Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> f = fields.next();
                    loc.put(f.getKey(), Json.toJava(f.getValue()));
                }
            } else {
                attributes.put(key, Json.toJava(value));
            }
        }
    }

    /** {@code meta.patch_properties}: unset, append, unappend (validated by the caller). */
    void patch(JsonNode patch) {
        if (patch == null || patch.isNull() || patch.isMissingNode()) {
            return;
        }
        JsonNode unset = patch.path("unset");
        if (unset.isTextual()) {
            properties.remove(unset.asText());
        } else if (unset.isArray()) {
            unset.forEach(k -> properties.remove(k.asText()));
        }
        JsonNode append = patch.path("append");
        if (append.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = append.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                List<Object> list = asList(properties.get(e.getKey()));
                // No de-duplication: Klaviyo documents "append a value", not set semantics (see docs).
                list.addAll(values(e.getValue()));
                properties.put(e.getKey(), list);
            }
        }
        JsonNode unappend = patch.path("unappend");
        if (unappend.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = unappend.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!properties.containsKey(e.getKey())) {
                    continue;
                }
                List<Object> list = asList(properties.get(e.getKey()));
                list.removeAll(values(e.getValue()));
                properties.put(e.getKey(), list);
            }
        }
    }

    private static List<Object> asList(Object current) {
        if (current == null) {
            return new ArrayList<>();
        }
        if (current instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        List<Object> list = new ArrayList<>();
        list.add(current);
        return list;
    }

    private static List<Object> values(JsonNode node) {
        List<Object> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(v -> out.add(Json.toJava(v)));
        } else {
            out.add(Json.toJava(node));
        }
        return out;
    }

    Profile snapshot() {
        Map<String, Object> attrs = new LinkedHashMap<>(attributes);
        attrs.remove("email");
        return new Profile(id, email(), Collections.unmodifiableMap(deepCopy(properties)), Collections.unmodifiableMap(deepCopy(attrs)),
                emailConsent, created, updated);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> m) {
        return Json.MAPPER.convertValue(m, LinkedHashMap.class);
    }
}
