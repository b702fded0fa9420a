package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.AdminApi.body;
import static com.nosto.klaviyo.emulator.AdminApi.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The emulator's admin routes that change an account the way a merchant's hand edits or Klaviyo itself would, for
 * drift drills (an audit must find each change; a repair must undo it). Each calls the {@link EmulatedAccount} method
 * of the same name; none goes through Klaviyo's API, so none shows in the call log. Plain JSON; an unknown key, list
 * or profile is a 404 with {@code {"error": …}}.
 */
final class AccountEditsApi {

    private static final String ACCOUNT = "/__emulator/accounts/:key";

    private final KlaviyoEmulator emulator;

    AccountEditsApi(KlaviyoEmulator emulator) {
        this.emulator = emulator;
    }

    void mount(Router router) {
        router.post(ACCOUNT + "/lists").handler(ctx -> edit(ctx, 201, (a, body) -> list(a.seedList(text(body, "name")))));
        router.patch(ACCOUNT + "/lists/:list").handler(ctx -> edit(ctx, 200,
                (a, body) -> list(a.renameList(ctx.pathParam("list"), text(body, "name")))));
        router.delete(ACCOUNT + "/lists/:list").handler(ctx -> edit(ctx, 204, (a, body) -> {
            if (!a.deleteList(ctx.pathParam("list"))) {
                throw new IllegalArgumentException("Unknown list " + ctx.pathParam("list"));
            }
            return null;
        }));
        router.post(ACCOUNT + "/lists/:list/members").handler(ctx -> edit(ctx, 200,
                (a, body) -> Map.of("added", a.addMembers(ctx.pathParam("list"), profileIds(a, body, true)))));
        router.delete(ACCOUNT + "/lists/:list/members").handler(ctx -> edit(ctx, 200,
                (a, body) -> Map.of("removed", a.removeMembers(ctx.pathParam("list"), profileIds(a, body, false)))));
        router.post(ACCOUNT + "/profiles").handler(ctx -> edit(ctx, 201,
                (a, body) -> profile(a.seedProfile(text(body, "email"), properties(body)))));
        router.patch(ACCOUNT + "/profiles/:profile").handler(ctx -> edit(ctx, 200, (a, body) -> {
            Map<String, Object> set = new LinkedHashMap<>();
            List<String> unset = new ArrayList<>();
            body.path("properties").fields().forEachRemaining(e -> {
                if (e.getValue().isNull()) {
                    unset.add(e.getKey());
                } else {
                    set.put(e.getKey(), Json.toJava(e.getValue()));
                }
            });
            body.path("unset").forEach(k -> unset.add(k.asText()));
            return profile(a.editProperties(ctx.pathParam("profile"), set, unset));
        }));
        router.delete(ACCOUNT + "/profiles/:profile").handler(ctx -> edit(ctx, 204, (a, body) -> {
            if (!a.deleteProfile(ctx.pathParam("profile"))) {
                throw new IllegalArgumentException("Unknown profile " + ctx.pathParam("profile"));
            }
            return null;
        }));
        router.post(ACCOUNT + "/profile-merges").handler(ctx -> edit(ctx, 200,
                (a, body) -> profile(a.mergeProfiles(text(body, "source"), text(body, "destination")))));
    }

    private interface Edit {
        Object apply(EmulatedAccount account, JsonNode body);
    }

    private void edit(RoutingContext ctx, int status, Edit edit) {
        EmulatedAccount account = emulator.findAccount(ctx.pathParam("key")).orElse(null);
        if (account == null) {
            json(ctx, 404, Map.of("error", "unknown key"));
            return;
        }
        Object result;
        try {
            result = edit.apply(account, body(ctx));
        } catch (IllegalArgumentException e) {
            json(ctx, e.getMessage() != null && e.getMessage().startsWith("Unknown") ? 404 : 400, Map.of("error", String.valueOf(e.getMessage())));
            return;
        } catch (IllegalStateException e) {
            json(ctx, 409, Map.of("error", String.valueOf(e.getMessage())));
            return;
        }
        if (result == null) {
            ctx.response().setStatusCode(status).end();
        } else {
            json(ctx, status, result);
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.path(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException("'" + field + "' is required");
        }
        return v.asText();
    }

    /**
     * {@code profileIds}, and {@code emails} resolved to profiles: when adding, an email with no profile gets a new one
     * (as adding a subscriber by hand in Klaviyo's UI does); when removing, it is ignored.
     */
    private static List<String> profileIds(EmulatedAccount account, JsonNode body, boolean createMissing) {
        List<String> ids = new ArrayList<>();
        body.path("profileIds").forEach(id -> ids.add(id.asText()));
        for (JsonNode e : body.path("emails")) {
            String id = account.profileByEmail(e.asText()).map(Profile::id).orElse(null);
            if (id == null && createMissing) {
                id = account.seedProfile(e.asText(), Map.of()).id();
            }
            if (id != null) {
                ids.add(id);
            }
        }
        if (ids.isEmpty() && !body.has("profileIds") && !body.has("emails")) {
            throw new IllegalArgumentException("'profileIds' or 'emails' is required");
        }
        return ids;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> properties(JsonNode body) {
        Object props = Json.toJava(body.path("properties"));
        return props instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static Map<String, Object> profile(Profile p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("email", p.email());
        m.put("properties", p.properties());
        m.put("attributes", p.attributes());
        m.put("emailConsent", p.emailConsent());
        return m;
    }

    private static Map<String, Object> list(KlaviyoList l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", l.id());
        m.put("name", l.name());
        m.put("created", JsonApi.ts(l.created()));
        return m;
    }
}
