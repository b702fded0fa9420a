package com.nosto.klaviyo.ops.whereis;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
        List<String> detail = new ArrayList<>();
        JsonNode in = s.path("inbox");
        if (in.isObject()) {
            detail.add("in inbox v" + in.path("version").asText() + " of " + in.path("windowId").asText() + " since "
                    + in.path("receivedAt").asText() + (in.hasNonNull("waitingReason") ? " (" + in.path("waitingReason").asText() + ")" : ""));
        }
        if (s.path("known").asBoolean()) {
            detail.add("profile " + s.path("profileId").asText("(not known)"));
        }
        JsonNode run = s.path("lastRun");
        if (run.isObject()) {
            detail.add("last run " + run.path("windowId").asText() + " finished " + run.path("finishedAt").asText());
        }
        JsonNode o = s.path("lastOutcome");
        if (o.isObject()) {
            detail.add("last outcome " + o.path("outcome").asText() + " in " + o.path("windowId").asText() + " at "
                    + o.path("at").asText() + ": " + o.path("detail").asText());
        }
        if (!s.path("known").asBoolean()) {
            return new String[] {a.service(), "-", "never applied", String.join("; ", detail)};
        }
        return new String[] {a.service(), "v" + s.path("appliedVersion").asText(), (s.path("inList").asBoolean() ? "in list" : "not in list")
                + ", applied " + s.path("updatedAt").asText(), String.join("; ", detail)};
    }

    /** True when both are times and {@code a} is before {@code b}: an outcome older than the release is not about it. */
    private static boolean before(JsonNode a, JsonNode b) {
        try {
            return a.isTextual() && b.isTextual() && Instant.parse(a.asText()).isBefore(Instant.parse(b.asText()));
        } catch (DateTimeParseException e) {
            return false;
        }
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
            JsonNode in = g.path("inbox");
            if (in.isObject()) {
                return "v" + released + " released, waits in the gateway's inbox (" + in.path("windowId").asText()
                        + (in.hasNonNull("waitingReason") ? "; " + in.path("waitingReason").asText() : "") + ")";
            }
            JsonNode o = g.path("lastOutcome");
            if ("FAILED".equals(o.path("outcome").asText()) && !before(o.path("at"), w.path("releasedAt"))) {
                return "v" + released + " released, refused by Klaviyo (FAILED in " + o.path("windowId").asText() + ": "
                        + o.path("detail").asText() + "); its next released change tries again";
            }
            return "v" + released + " released, not yet applied by the gateway (in its inbox: see GET …/klaviyo waitingReason)";
        }
        return "in step: v" + applied + " applied to Klaviyo";
    }
}
