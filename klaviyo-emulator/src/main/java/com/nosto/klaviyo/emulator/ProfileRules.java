package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.JsonApi.bytes;
import static com.nosto.klaviyo.emulator.JsonApi.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What Klaviyo accepts in a profile (attributes, identifiers, {@code meta.patch_properties}, size) and how a profile
 * is matched by its identifiers: shared by the profile operations and bulk import. Consent fields met in a profile
 * are recorded on the account, as the test drills look for them.
 */
final class ProfileRules {

    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
    private static final Pattern PHONE = Pattern.compile("^\\+[1-9]\\d{6,14}$");
    static final int MAX_PROFILE_BYTES = 100 * 1024;
    static final Set<String> PROFILE_ATTRS = Set.copyOf(ProfileState.STANDARD);
    static final Set<String> UPSERT_ATTRS;

    static {
        Set<String> s = new HashSet<>(ProfileState.STANDARD);
        s.add("_kx");
        UPSERT_ATTRS = Set.copyOf(s);
    }

    private final KlaviyoEmulator emulator;

    ProfileRules(KlaviyoEmulator emulator) {
        this.emulator = emulator;
    }

    /** Returns the problems of one profile's attributes (empty = valid); records consent fields it meets. */
    List<ApiError.Entry> profileProblems(Req r, String operationId, JsonNode attrs, String pointer, Set<String> allowed,
            boolean needIdentifier) {
        List<ApiError.Entry> problems = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = attrs.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if ("subscriptions".equals(key)) {
                r.account().recordConsent(operationId, "attributes.subscriptions", Json.write(attrs));
            }
            if (!allowed.contains(key)) {
                problems.add(entry("'" + key + "' is not a valid field for the resource 'profile'.", pointer + "/" + key));
                continue;
            }
            if (v.isNull()) {
                continue;
            }
            switch (key) {
                case "email" -> {
                    if (!v.isTextual() || !EMAIL.matcher(v.asText().trim()).matches() || emulator.faults().isRejected(v.asText())) {
                        problems.add(entry("Invalid email address", pointer + "/email"));
                    }
                }
                case "phone_number" -> {
                    if (!v.isTextual() || !PHONE.matcher(v.asText()).matches()) {
                        problems.add(entry("Invalid phone number format (Example of a valid format: +12345678901)", pointer + "/phone_number"));
                    }
                }
                case "properties", "location" -> {
                    if (!v.isObject()) {
                        problems.add(entry("'" + key + "' must be an object.", pointer + "/" + key));
                    }
                }
                default -> {
                    if (!v.isTextual()) {
                        problems.add(entry("'" + key + "' must be a string.", pointer + "/" + key));
                    }
                }
            }
        }
        if (needIdentifier && !hasIdentifier(attrs)) {
            problems.add(entry("One of email, phone_number, or external_id is required to identify a profile.", pointer));
        }
        return problems;
    }

    static boolean hasIdentifier(JsonNode attrs) {
        for (String k : List.of("email", "phone_number", "external_id", "_kx")) {
            if (attrs.path(k).isTextual() && !attrs.path(k).asText().isBlank()) {
                return true;
            }
        }
        return false;
    }

    /** {@code meta} of a profile: only {@code patch_properties} (and {@code patch_identifiers}) with the documented shapes. */
    static List<ApiError.Entry> metaProblems(JsonNode meta, String pointer) {
        List<ApiError.Entry> problems = new ArrayList<>();
        if (meta.isMissingNode() || meta.isNull()) {
            return problems;
        }
        if (!meta.isObject()) {
            problems.add(entry("'meta' must be an object.", pointer));
            return problems;
        }
        Iterator<String> names = meta.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!n.equals("patch_properties") && !n.equals("patch_identifiers")) {
                problems.add(entry("'" + n + "' is not a valid field for 'meta'.", pointer + "/" + n));
            }
        }
        JsonNode patch = meta.path("patch_properties");
        if (patch.isMissingNode() || patch.isNull()) {
            return problems;
        }
        String pp = pointer + "/patch_properties";
        if (!patch.isObject()) {
            problems.add(entry("'patch_properties' must be an object.", pp));
            return problems;
        }
        Iterator<Map.Entry<String, JsonNode>> ops = patch.fields();
        while (ops.hasNext()) {
            Map.Entry<String, JsonNode> op = ops.next();
            JsonNode v = op.getValue();
            switch (op.getKey()) {
                case "unset" -> {
                    boolean ok = v.isNull() || v.isTextual() || (v.isArray() && allTextual(v));
                    if (!ok) {
                        problems.add(entry("Unset must be a string or an array of strings", pp + "/unset"));
                    }
                }
                case "append", "unappend" -> {
                    if (v.isNull()) {
                        continue;
                    }
                    if (!v.isObject()) {
                        problems.add(entry("'" + op.getKey() + "' must be an object of property names to values.", pp + "/" + op.getKey()));
                        continue;
                    }
                    v.fields().forEachRemaining(f -> {
                        JsonNode val = f.getValue();
                        boolean simple = val.isValueNode() && !val.isNull();
                        boolean simpleArray = val.isArray() && allSimple(val);
                        if (!simple && !simpleArray) {
                            problems.add(entry("'" + op.getKey() + "' values must be a simple value or an array of simple values.",
                                    pp + "/" + op.getKey() + "/" + f.getKey()));
                        }
                    });
                }
                default -> problems.add(entry("'" + op.getKey() + "' is not a valid patch operation.", pp + "/" + op.getKey()));
            }
        }
        return problems;
    }

    private static boolean allTextual(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static boolean allSimple(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isValueNode() || n.isNull()) {
                return false;
            }
        }
        return true;
    }

    static ApiError duplicate(ProfileState existing) {
        return ApiError.many(409, List.of(new ApiError.Entry("duplicate_profile", "Conflict.",
                "A profile already exists with one of these identifiers.", "/data/attributes", null,
                Map.of("duplicate_profile_id", existing.id))));
    }

    /** The existing profile (other than {@code self}) holding one of the identifiers in {@code attrs}, if any. */
    static ProfileState clash(EmulatedAccount account, JsonNode attrs, ProfileState self) {
        for (String field : List.of("email", "phone_number", "external_id")) {
            JsonNode v = attrs.path(field);
            if (v.isTextual()) {
                ProfileState other = account.byField(field, v.asText());
                if (other != null && other != self) {
                    return other;
                }
            }
        }
        return null;
    }

    /**
     * Upsert matching: by id when given (404 if absent, or if the email given belongs to another profile, as observed);
     * otherwise by email, phone_number, external_id; identifiers pointing at two profiles are a 409.
     */
    static ProfileState matchForUpsert(EmulatedAccount account, String id, JsonNode attrs) {
        if (id != null) {
            ProfileState p = account.profiles.get(id);
            ProfileState other = p == null ? null : clash(account, attrs, p);
            if (p == null || other != null) {
                throw ApiError.notFound("A profile with id " + id + " does not exist.");
            }
            return p;
        }
        ProfileState found = null;
        for (String field : List.of("email", "phone_number", "external_id")) {
            JsonNode v = attrs.path(field);
            if (v.isTextual()) {
                ProfileState p = account.byField(field, v.asText());
                if (p != null) {
                    if (found != null && found != p) {
                        throw duplicate(p);
                    }
                    found = p;
                }
            }
        }
        return found;
    }

    static void sizeCheck(JsonNode data) {
        if (bytes(data) > MAX_PROFILE_BYTES) {
            throw ApiError.of(413, "payload_too_large", "Request entity too large.", "A profile payload must not exceed 100 KB.", "/data", null);
        }
    }
}
