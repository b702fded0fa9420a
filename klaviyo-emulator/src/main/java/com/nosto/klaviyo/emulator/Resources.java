package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.JsonApi.links;
import static com.nosto.klaviyo.emulator.JsonApi.ts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** How lists, profiles and bulk import jobs are rendered as JSON:API resources (attributes, relationships, links). */
final class Resources {

    private Resources() {
    }

    /** List attributes the spec lists for {@code fields[list]} (get_list adds {@code profile_count}). */
    static final Set<String> LIST_FIELDS = Set.of("created", "id", "name", "opt_in_process", "updated");

    static ObjectNode listResource(ListState l, String base, boolean profileCount) {
        return listResource(l, base, profileCount, Fieldset.ALL);
    }

    static ObjectNode listResource(ListState l, String base, boolean profileCount, Fieldset fields) {
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
        fields.prune(a, Set.of());
        ObjectNode rel = o.putObject("relationships");
        String self = base + "/api/lists/" + l.id + "/";
        for (String name : List.of("profiles", "tags", "flow-triggers")) {
            links(rel.putObject(name), base + "/api/lists/" + l.id + "/relationships/" + name + "/", base + "/api/lists/" + l.id + "/" + name + "/");
        }
        links(o, self, null);
        return o;
    }

    /**
     * What one request asks to see of profiles: the {@code additional-fields[profile]} to add and the
     * {@code fields[profile]} to keep, both checked against the names the spec lists.
     */
    record ProfileView(Set<String> additional, Fieldset fields) {

        static final Set<String> ATTRIBUTES = Set.of("created", "email", "external_id", "first_name", "id", "image", "last_event_date",
                "last_name", "locale", "location", "organization", "phone_number", "predictive_analytics", "properties", "subscriptions",
                "title", "updated");
        static final Set<String> OBJECT_ATTRIBUTES = Set.of("location", "predictive_analytics", "subscriptions");
        static final Set<String> ADDITIONAL = Set.of("subscriptions", "predictive_analytics");

        static ProfileView of(Req r) {
            return new ProfileView(Fieldset.additional(r, "additional-fields[profile]", ADDITIONAL),
                    Fieldset.parse(r, "fields[profile]", ATTRIBUTES, OBJECT_ATTRIBUTES));
        }

        /** get_profiles_for_list: members also have {@code joined_group_at}. */
        static ProfileView ofListMembers(Req r) {
            Set<String> names = new HashSet<>(ATTRIBUTES);
            names.add("joined_group_at");
            return new ProfileView(Fieldset.additional(r, "additional-fields[profile]", ADDITIONAL),
                    Fieldset.parse(r, "fields[profile]", names, OBJECT_ATTRIBUTES));
        }
    }

    static ObjectNode profileResource(ProfileState p, Req r) {
        return profileResource(p, r, ProfileView.of(r), null);
    }

    /**
     * @param joinedGroupAt for a list member, when it joined (the spec requires it on every member, so a sparse
     *                      fieldset never removes it); null otherwise
     */
    static ObjectNode profileResource(ProfileState p, Req r, ProfileView view, Instant joinedGroupAt) {
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
        if (view.additional().contains("subscriptions")) {
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
        if (view.additional().contains("predictive_analytics")) {
            // Profiles here have no order history, so Klaviyo has no predictions for them.
            ObjectNode predictions = a.putObject("predictive_analytics");
            for (String k : List.of("historic_clv", "predicted_clv", "total_clv", "historic_number_of_orders", "predicted_number_of_orders",
                    "average_days_between_orders", "average_order_value", "churn_probability", "expected_date_of_next_order",
                    "ranked_channel_affinity")) {
                predictions.putNull(k);
            }
        }
        if (joinedGroupAt != null) {
            a.put("joined_group_at", ts(joinedGroupAt));
        }
        view.fields().prune(a, joinedGroupAt == null ? Set.of() : Set.of("joined_group_at"));
        ObjectNode rel = o.putObject("relationships");
        for (String name : List.of("lists", "segments")) {
            links(rel.putObject(name), r.base() + "/api/profiles/" + p.id + "/relationships/" + name + "/",
                    r.base() + "/api/profiles/" + p.id + "/" + name + "/");
        }
        links(o, r.base() + "/api/profiles/" + p.id + "/", null);
        return o;
    }

    static ObjectNode jobResource(JobState j, String base) {
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
