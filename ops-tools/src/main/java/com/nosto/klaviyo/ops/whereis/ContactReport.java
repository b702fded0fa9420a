package com.nosto.klaviyo.ops.whereis;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One table from the three services' answers to {@code POST /api/accounts/{a}/contacts/state}: a row per service
 * (version, state, detail), then where the contact's newest change stands. Pure: the answers are JSON (a missing or
 * failed answer is a {@code null} node with an error text).
 */
public final class ContactReport {

    /** One service's answer: its JSON body, or the error that kept it from answering. */
    public record Answer(String service, JsonNode body, String error) {
    }

    private ContactReport() {
    }

    public static String render(String accountId, Answer segments, Answer worker, Answer gateway) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SERVICE", "VERSION", "STATE", "DETAIL"});
        rows.add(segmentRow(segments));
        rows.add(workerRow(worker));
        rows.add(gatewayRow(gateway));
        String contact = List.of(segments, worker, gateway).stream().filter(a -> a.body() != null)
                .map(a -> a.body().path("contact").asText(null)).filter(c -> c != null).findFirst().orElse("?");
        StringBuilder out = new StringBuilder("contact ").append(contact).append(" of account ").append(accountId).append('\n');
        int[] width = new int[3];
        for (String[] r : rows) {
            for (int i = 0; i < 3; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            out.append(String.format("%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %s", (Object[]) r).stripTrailing())
                    .append('\n');
        }
        return out.append("=> ").append(verdict(segments, worker, gateway)).append('\n').toString();
    }

    private static String[] segmentRow(Answer a) {
        if (a.body() == null) {
            return new String[] {a.service(), "-", "no answer", a.error()};
        }
        JsonNode s = a.body().path("segmentService");
        if (!s.path("known").asBoolean()) {
            return new String[] {a.service(), "-", s.hasNonNull("deletedAt") ? "deleted " + s.path("deletedAt").asText() : "unknown",
                    s.hasNonNull("deletedVersion") ? "last version " + s.path("deletedVersion").asText() : ""};
        }
        List<String> members = new ArrayList<>();
        s.path("memberships").forEach(m -> members.add(m.path("segmentId").asText() + (m.hasNonNull("name")
                ? " (" + m.path("name").asText() + (m.path("syncEnabled").asBoolean() ? ", synced)" : ", not synced)") : " (not defined)")));
        return new String[] {a.service(), "v" + s.path("version").asText(), members.size() + " segment(s), observed "
                + s.path("observedAt").asText(), String.join(", ", members)};
    }

    private static String[] workerRow(Answer a) {
        if (a.body() == null) {
            return new String[] {a.service(), "-", "no answer", a.error()};
        }
        JsonNode s = a.body().path("syncWorker");
        if (!s.path("known").asBoolean()) {
            return new String[] {a.service(), "-", "unknown", ""};
        }
        JsonNode d = s.path("desired");
        JsonNode r = s.path("released");
        String state = s.path("pending").asBoolean() || s.path("firstEnablePending").asBoolean()
                ? "pending since " + s.path("pendingSince").asText("?") + ", next release " + s.path("nextReleaseAt").asText("?")
                : "released " + s.path("releasedAt").asText("-");
        String detail = "desired " + side(d) + (r.isObject() ? "; released v" + r.path("version").asText() + " " + side(r) : "; never released");
        return new String[] {a.service(), "v" + d.path("version").asText() + (r.isObject() ? " (released v" + r.path("version").asText()
                + ")" : ""), state, detail};
    }

    private static String side(JsonNode side) {
        if (side.path("deleted").asBoolean()) {
            return "deleted";
        }
        return side.path("inList").asBoolean() ? "in list, nosto_segment " + side.path("segment").asText("-") : "not in list";
    }

    private static String[] gatewayRow(Answer a) {
        if (a.body() == null) {
            return new String[] {a.service(), "-", "no answer", a.error()};
        }
        JsonNode s = a.body().path("klaviyoGateway");
        if (!s.path("known").asBoolean()) {
            return new String[] {a.service(), "-", "never applied", ""};
        }
        List<String> detail = new ArrayList<>();
        detail.add("profile " + s.path("profileId").asText("(not known)"));
        JsonNode run = s.path("lastRun");
        if (run.isObject()) {
            detail.add("last run " + run.path("windowId").asText() + " finished " + run.path("finishedAt").asText());
        }
        JsonNode o = s.path("lastOutcome");
        if (o.isObject()) {
            detail.add("last outcome " + o.path("outcome").asText() + " at " + o.path("at").asText() + ": " + o.path("detail").asText());
        }
        return new String[] {a.service(), "v" + s.path("appliedVersion").asText(), (s.path("inList").asBoolean() ? "in list" : "not in list")
                + ", applied " + s.path("updatedAt").asText(), String.join("; ", detail)};
    }

    /** Where the newest change stands, from the versions each service holds. */
    static String verdict(Answer segments, Answer worker, Answer gateway) {
        if (segments.body() == null || worker.body() == null || gateway.body() == null) {
            return "incomplete: a service did not answer";
        }
        JsonNode s = segments.body().path("segmentService");
        JsonNode w = worker.body().path("syncWorker");
        JsonNode g = gateway.body().path("klaviyoGateway");
        long segmentVersion = s.path("known").asBoolean() ? s.path("version").asLong() : s.path("deletedVersion").asLong(-1);
        long desired = w.path("known").asBoolean() ? w.path("desired").path("version").asLong() : -1;
        long released = w.path("released").isObject() ? w.path("released").path("version").asLong() : -1;
        long applied = g.path("known").asBoolean() ? g.path("appliedVersion").asLong() : -1;
        if (segmentVersion < 0 && desired < 0 && applied < 0) {
            return "no service knows this contact";
        }
        if (segmentVersion > desired) {
            return "v" + segmentVersion + " not yet in sync-worker (published by segment-service's outbox, or the change was not synced)";
        }
        if (desired > released) {
            return "v" + desired + " waits in sync-worker for its window (" + w.path("nextReleaseAt").asText("?") + ")";
        }
        if (released > applied) {
            return "v" + released + " released, not yet applied by the gateway (in its inbox: see GET …/klaviyo waitingReason)";
        }
        return "in step: v" + applied + " applied to Klaviyo";
    }
}
