package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.JsonApi.links;
import static com.nosto.klaviyo.emulator.JsonApi.ts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** How lists, profiles and bulk import jobs are rendered as JSON:API resources (attributes, relationships, links). */
final class Resources {

    private Resources() {
    }

    static ObjectNode listResource(EmulatedAccount.ListState l, String base, boolean profileCount) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "list");
        o.put("id", l.id);
        ObjectNode a = o.putObject("attributes");
        a.put("name", l.name);
        a.put("created", ts(l.created));
        a.put("updated", ts(l.updated));
        a.put("opt_in_process", l.optInProcess == null ? "single_opt_in" : l.optInProcess);
        if (profileCount) {
            a.put("profile_count", l.members.size());
        }
        ObjectNode rel = o.putObject("relationships");
        String self = base + "/api/lists/" + l.id + "/";
        for (String name : List.of("profiles", "tags", "flow-triggers")) {
            links(rel.putObject(name), base + "/api/lists/" + l.id + "/relationships/" + name + "/", base + "/api/lists/" + l.id + "/" + name + "/");
        }
        links(o, self, null);
        return o;
    }

    static ObjectNode profileResource(ProfileState p, Req r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "profile");
        o.put("id", p.id);
        ObjectNode a = o.putObject("attributes");
        for (String k : List.of("email", "phone_number", "external_id", "first_name", "last_name", "organization", "locale", "title", "image")) {
            a.set(k, Json.MAPPER.valueToTree(p.attributes.get(k)));
        }
        a.put("created", ts(p.created));
        a.put("updated", ts(p.updated));
        a.putNull("last_event_date");
        ObjectNode loc = a.putObject("location");
        for (String k : List.of("address1", "address2", "city", "country", "latitude", "longitude", "region", "zip", "timezone", "ip")) {
            loc.putNull(k);
        }
        Object setLoc = p.attributes.get("location");
        if (setLoc instanceof Map<?, ?> m) {
            m.forEach((k, v) -> loc.set(String.valueOf(k), Json.MAPPER.valueToTree(v)));
        }
        a.set("properties", Json.MAPPER.valueToTree(p.properties));
        String additional = String.valueOf(r.query("additional-fields[profile]"));
        if (additional.contains("subscriptions")) {
            ObjectNode subs = a.putObject("subscriptions");
            ObjectNode marketing = subs.putObject("email").putObject("marketing");
            marketing.put("can_receive_email_marketing", "SUBSCRIBED".equals(p.emailConsent));
            marketing.put("consent", p.emailConsent);
            marketing.putNull("consent_timestamp");
            marketing.putNull("last_updated");
            marketing.putNull("method");
            marketing.putNull("method_detail");
            marketing.putNull("custom_method_detail");
            marketing.putNull("double_optin");
            marketing.putArray("suppression");
            marketing.putArray("list_suppressions");
        }
        String fields = r.query("fields[profile]");
        if (fields != null && !fields.isBlank()) {
            Set<String> keep = new HashSet<>(List.of(fields.split(",")));
            a.retain(keep);
        }
        ObjectNode rel = o.putObject("relationships");
        for (String name : List.of("lists", "segments")) {
            links(rel.putObject(name), r.base() + "/api/profiles/" + p.id + "/relationships/" + name + "/",
                    r.base() + "/api/profiles/" + p.id + "/" + name + "/");
        }
        links(o, r.base() + "/api/profiles/" + p.id + "/", null);
        return o;
    }

    static ObjectNode jobResource(EmulatedAccount.JobState j, String base) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "profile-bulk-import-job");
        o.put("id", j.id);
        ObjectNode a = o.putObject("attributes");
        a.put("status", j.status);
        a.put("created_at", ts(j.createdAt));
        a.put("total_count", j.total);
        a.put("completed_count", j.completed);
        a.put("failed_count", j.failed);
        a.put("completed_at", ts(j.completedAt));
        a.put("expires_at", ts(j.createdAt.plus(Duration.ofDays(7))));
        a.put("started_at", ts(j.startedAt));
        ObjectNode rel = o.putObject("relationships");
        String jobUrl = base + "/api/profile-bulk-import-jobs/" + j.id;
        ObjectNode lists = rel.putObject("lists");
        ArrayNode data = lists.putArray("data");
        if (j.listId != null) {
            data.addObject().put("type", "list").put("id", j.listId);
        }
        links(lists, jobUrl + "/relationships/lists/", jobUrl + "/lists/");
        links(rel.putObject("profiles"), jobUrl + "/relationships/profiles/", jobUrl + "/profiles/");
        links(rel.putObject("import-errors"), null, jobUrl + "/import-errors/");
        links(o, jobUrl + "/", null);
        return o;
    }
}
