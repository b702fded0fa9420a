package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The emulator's own API (not Klaviyo's), under {@code /__emulator/}: accounts, state, faults, call log, reset and a
 * small HTML page. Plain JSON, no auth: it listens on loopback for tests, demos and drills.
 */
final class AdminApi {

    private final KlaviyoEmulator emulator;

    AdminApi(KlaviyoEmulator emulator) {
        this.emulator = emulator;
    }

    void mount(Router router) {
        router.get("/__emulator/accounts").handler(ctx -> json(ctx, 200, emulator.accounts().stream().map(this::summary).toList()));
        router.post("/__emulator/accounts").handler(ctx -> {
            JsonNode body = body(ctx);
            String key = body.path("apiKey").asText("");
            if (key.isBlank()) {
                json(ctx, 400, Map.of("error", "apiKey is required"));
                return;
            }
            json(ctx, 201, summary(emulator.account(key)));
        });
        router.delete("/__emulator/accounts/:key").handler(ctx -> {
            emulator.revokeKey(ctx.pathParam("key"));
            ctx.response().setStatusCode(204).end();
        });
        router.get("/__emulator/accounts/:key/state").handler(ctx -> emulator.findAccount(ctx.pathParam("key"))
                .ifPresentOrElse(a -> json(ctx, 200, state(a)), () -> json(ctx, 404, Map.of("error", "unknown key"))));
        router.get("/__emulator/state").handler(ctx -> json(ctx, 200, emulator.accounts().stream().map(this::state).toList()));
        router.get("/__emulator/faults").handler(ctx -> json(ctx, 200, emulator.faults().describe()));
        router.post("/__emulator/faults").handler(ctx -> {
            try {
                applyFaults(body(ctx));
                json(ctx, 200, emulator.faults().describe());
            } catch (RuntimeException e) {
                json(ctx, 400, Map.of("error", String.valueOf(e.getMessage())));
            }
        });
        router.delete("/__emulator/faults").handler(ctx -> {
            emulator.faults().clear();
            ctx.response().setStatusCode(204).end();
        });
        router.get("/__emulator/calls").handler(this::calls);
        router.delete("/__emulator/calls").handler(ctx -> {
            emulator.calls().clear();
            ctx.response().setStatusCode(204).end();
        });
        router.post("/__emulator/reset").handler(ctx -> {
            emulator.reset();
            ctx.response().setStatusCode(204).end();
        });
        router.get("/__emulator/ratelimits").handler(ctx -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("source", emulator.rateLimits().source());
            out.put("scale", emulator.config().rateLimitScale());
            out.put("enabled", emulator.config().rateLimitsEnabled());
            Map<String, Object> ops = new java.util.TreeMap<>();
            emulator.rateLimits().all().forEach((op, l) -> ops.put(op, l.scaled(emulator.config().rateLimitScale())));
            out.put("operations", ops);
            json(ctx, 200, out);
        });
        new AccountEditsApi(emulator).mount(router);
        router.get("/__emulator/ui").handler(ctx -> ctx.response().putHeader("Content-Type", "text/html; charset=utf-8")
                .end(Ui.render(emulator)));
        router.get("/__emulator").handler(ctx -> ctx.redirect("/__emulator/ui"));
    }

    static String mask(String key) {
        if (key == null) {
            return null;
        }
        return key.length() <= 8 ? key.charAt(0) + "…" : key.substring(0, 5) + "…" + key.substring(key.length() - 2);
    }

    private Map<String, Object> summary(EmulatedAccount a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("apiKey", mask(a.apiKey()));
        m.put("lists", a.lists().size());
        m.put("profiles", a.profiles().size());
        m.put("consentEvents", a.consentLog().size());
        return m;
    }

    private Map<String, Object> state(EmulatedAccount a) {
        Map<String, Object> m = summary(a);
        List<Map<String, Object>> lists = new ArrayList<>();
        for (KlaviyoList l : a.lists()) {
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("id", l.id());
            lm.put("name", l.name());
            lm.put("created", JsonApi.ts(l.created()));
            lm.put("memberIds", a.listMemberIds(l.id()));
            lm.put("memberEmails", a.listMemberEmails(l.id()));
            lists.add(lm);
        }
        m.put("lists", lists);
        m.put("profiles", a.profiles().stream().map(AccountEditsApi::profile).toList());
        m.put("bulkImportJobs", a.bulkImportJobs().stream().map(j -> Map.of("id", j.id(), "status", j.status(), "total", j.totalCount(),
                "completed", j.completedCount(), "failed", j.failedCount())).toList());
        m.put("consentLog", a.consentLog());
        m.put("deletionRequests", a.deletionRequests());
        return m;
    }

    private void calls(RoutingContext ctx) {
        int limit = 100;
        String l = ctx.request().getParam("limit");
        if (l != null) {
            limit = Integer.parseInt(l);
        }
        String key = ctx.request().getParam("key");
        List<Call> all = key == null ? emulator.calls().all() : emulator.calls().forKey(key);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", all.size());
        out.put("reads", all.stream().filter(c -> !c.isWrite()).count());
        out.put("writes", all.stream().filter(Call::isWrite).count());
        out.put("countsByEndpointAndStatus", key == null ? emulator.calls().countsByEndpointAndStatus()
                : CallLog.countsByEndpointAndStatus(all));
        out.put("calls", all.subList(Math.max(0, all.size() - limit), all.size()).stream().map(c -> {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("at", c.at().toString());
            cm.put("apiKey", mask(c.apiKey()));
            cm.put("method", c.method());
            cm.put("path", c.path());
            cm.put("query", c.query());
            cm.put("operationId", c.operationId());
            cm.put("status", c.status());
            cm.put("write", c.isWrite());
            cm.put("millis", c.durationMillis());
            cm.put("injected", c.injected());
            return cm;
        }).toList());
        json(ctx, 200, out);
    }

    private void applyFaults(JsonNode body) {
        Faults f = emulator.faults();
        for (JsonNode e : body.path("errors")) {
            if (e.has("times")) {
                f.failAfter(e.path("target").asText("*"), e.path("status").asInt(503), e.path("passing").asInt(0), e.path("times").asInt());
            } else {
                f.failRate(e.path("target").asText("*"), e.path("status").asInt(503), e.path("rate").asDouble(1.0));
            }
        }
        for (JsonNode e : body.path("latencies")) {
            f.latency(e.path("target").asText("*"), Duration.ofMillis(e.path("millis").asLong()));
        }
        if (body.has("latencyMillis")) {
            f.latency(Duration.ofMillis(body.path("latencyMillis").asLong()));
        }
        for (JsonNode e : body.path("resets")) {
            f.resetConnections(e.path("target").asText("*"), e.path("rate").asDouble(1.0));
        }
        if (body.has("bulkJobDelayMillis")) {
            f.slowBulkJobs(Duration.ofMillis(body.path("bulkJobDelayMillis").asLong()));
        }
        body.path("rejectEmails").forEach(e -> f.rejectEmail(e.asText()));
        body.path("failInBulkJob").forEach(e -> f.failInBulkJob(e.asText()));
        if (body.has("unknownProfileIds")) {
            f.unknownProfileIds(Faults.UnknownProfileIds.valueOf(body.path("unknownProfileIds").asText()));
        }
    }

    static JsonNode body(RoutingContext ctx) {
        try {
            String text = ctx.body() == null ? null : ctx.body().asString();
            return text == null || text.isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException("Malformed JSON", e);
        }
    }

    static void json(RoutingContext ctx, int status, Object value) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.write(value));
    }
}
