package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.JsonApi.attributes;
import static com.nosto.klaviyo.emulator.JsonApi.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Reply;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Data privacy deletion and the consent operations. The sync must never call the consent ones (G4): they are
 * emulated so that a call is recorded on the account, where tests look for it, and changes the profile's consent
 * as Klaviyo would.
 */
final class PrivacyApi {

    private PrivacyApi() {
    }

    static Reply deletionJob(Req r) {
        ObjectNode data = data(r.body(), "data-privacy-deletion-job");
        JsonNode profile = attributes(data, "/data").path("profile").path("data");
        if (!profile.isObject()) {
            throw ApiError.invalid("'profile.data' is required.", "/data/attributes/profile/data");
        }
        List<String> given = new ArrayList<>();
        if (profile.path("id").isTextual()) {
            given.add("id");
        }
        for (String k : List.of("email", "phone_number")) {
            if (profile.path("attributes").path(k).isTextual()) {
                given.add(k);
            }
        }
        if (given.size() != 1) {
            throw ApiError.invalid("Exactly one of id, email or phone_number must be given.", "/data/attributes/profile/data");
        }
        String field = given.get(0);
        String value = "id".equals(field) ? profile.path("id").asText() : profile.path("attributes").path(field).asText();
        r.account().deletionRequests.add(Json.write(r.body()));
        List<ProfileState> victims = r.account().allProfiles().stream()
                .filter(p -> "id".equals(field) ? p.id.equals(value)
                        : "email".equals(field) ? Faults.normalize(value).equals(p.email()) : value.equals(p.phone()))
                .toList();
        // Klaviyo deletes asynchronously; here it is immediate, which a caller cannot tell from a quick job.
        victims.forEach(r.account()::remove);
        return new Reply(202, null);
    }

    static Reply consentCall(Req r, String newConsent) {
        String operationId = r.operationId();
        String body = Json.write(r.body());
        r.account().recordConsent(operationId, operationId, body);
        Set<String> emails = new LinkedHashSet<>();
        collectEmails(r.body(), emails);
        for (String email : emails) {
            ProfileState p = r.account().byEmail(email);
            if (p != null) {
                p.emailConsent = newConsent == null ? "NEVER_SUBSCRIBED" : newConsent;
            }
        }
        return new Reply(202, null);
    }

    private static void collectEmails(JsonNode node, Set<String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if ("email".equals(e.getKey()) && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    collectEmails(e.getValue(), out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectEmails(n, out));
        }
    }
}
