package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.JsonApi.attributes;
import static com.nosto.klaviyo.emulator.JsonApi.data;
import static com.nosto.klaviyo.emulator.JsonApi.entry;
import static com.nosto.klaviyo.emulator.JsonApi.failIf;
import static com.nosto.klaviyo.emulator.JsonApi.page;
import static com.nosto.klaviyo.emulator.JsonApi.selfUrl;
import static com.nosto.klaviyo.emulator.JsonApi.single;
import static com.nosto.klaviyo.emulator.Resources.listResource;
import static com.nosto.klaviyo.emulator.Resources.profileResource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Reply;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/** Lists and their members: {@code /api/lists} and its relationships. */
final class ListsApi {

    static final int MAX_RELATIONSHIP_IDS = 1000;
    private static final Map<String, Set<String>> LIST_FILTERS = Map.of("name", Set.of("equals", "any"), "id", Set.of("equals", "any"));
    private static final Map<String, Set<String>> MEMBER_FILTERS = Map.of("email", Set.of("equals", "any"),
            "phone_number", Set.of("equals", "any"));

    private final KlaviyoEmulator emulator;

    ListsApi(KlaviyoEmulator emulator) {
        this.emulator = emulator;
    }

    private ListState list(Req r) {
        ListState l = r.account().lists.get(r.param(0));
        if (l == null) {
            throw ApiError.notFound("A list with id " + r.param(0) + " does not exist.");
        }
        return l;
    }

    Reply getLists(Req r) {
        Filter f = Filter.parse(r.query("filter"), LIST_FILTERS);
        Fieldset fields = Fieldset.parse(r, "fields[list]", Resources.LIST_FIELDS, Set.of());
        List<ListState> matching = r.account().lists.values().stream()
                .filter(l -> f.matches(l, field -> "name".equals(field) ? l.name : l.id)).toList();
        return new Reply(200, page(r, matching, l -> l.seq, l -> listResource(l, r.base(), false, fields), 10, 10));
    }

    Reply createList(Req r) {
        ObjectNode data = data(r.body(), "list");
        ObjectNode attrs = attributes(data, "/data");
        JsonNode name = attrs.path("name");
        if (!name.isTextual() || name.asText().isBlank()) {
            throw ApiError.invalid("'name' is a required field for the resource 'list'.", "/data/attributes/name");
        }
        JsonNode optIn = attrs.path("opt_in_process");
        if (!optIn.isMissingNode() && !optIn.isNull() && !Set.of("single_opt_in", "double_opt_in").contains(optIn.asText())) {
            throw ApiError.invalid("'opt_in_process' must be single_opt_in or double_opt_in.", "/data/attributes/opt_in_process");
        }
        ListState l = r.account().createList(name.asText(), optIn.isTextual() ? optIn.asText() : null);
        return new Reply(201, single(listResource(l, r.base(), false), r.base() + "/api/lists/"));
    }

    Reply getList(Req r) {
        ListState l = list(r);
        boolean count = Fieldset.additional(r, "additional-fields[list]", Set.of("profile_count")).contains("profile_count");
        Set<String> names = new java.util.HashSet<>(Resources.LIST_FIELDS);
        names.add("profile_count");
        Fieldset fields = Fieldset.parse(r, "fields[list]", names, Set.of());
        return new Reply(200, single(listResource(l, r.base(), count, fields), selfUrl(r)));
    }

    Reply updateList(Req r) {
        ListState l = list(r);
        ObjectNode data = data(r.body(), "list");
        if (!r.param(0).equals(data.path("id").asText())) {
            throw ApiError.of(409, "conflict", "Conflict.", "The id in the body does not match the URL.", "/data/id", null);
        }
        JsonNode name = attributes(data, "/data").path("name");
        if (name.isTextual() && !name.asText().isBlank()) {
            l.name = name.asText();
            l.updated = r.account().now();
        }
        return new Reply(200, single(listResource(l, r.base(), false), selfUrl(r)));
    }

    Reply deleteList(Req r) {
        list(r);
        r.account().lists.remove(r.param(0));
        return Reply.noContent();
    }

    Reply listMembers(Req r, boolean idsOnly) {
        ListState l = list(r);
        Filter f = Filter.parse(r.query("filter"), MEMBER_FILTERS);
        boolean newestFirst = newestFirst(r);
        Resources.ProfileView view = idsOnly ? null : Resources.ProfileView.ofListMembers(r);
        List<ProfileState> members = new ArrayList<>();
        for (String id : l.members.ids()) {
            ProfileState p = r.account().profiles.get(id);
            if (p != null && f.matches(p, field -> "email".equals(field) ? p.email() : (String) p.attributes.get(field))) {
                members.add(p);
            }
        }
        if (newestFirst) {
            Collections.reverse(members);
        }
        // The cursor key is the join position (negated newest first), so pages hold while members come and go.
        ToLongFunction<ProfileState> position = p -> newestFirst ? -l.members.position(p.id) : l.members.position(p.id);
        Function<ProfileState, JsonNode> render = idsOnly
                ? p -> Json.MAPPER.createObjectNode().put("type", "profile").put("id", p.id)
                : p -> profileResource(p, r, view, l.members.joinedAt(p.id));
        return new Reply(200, page(r, members, position, render, 20, 100));
    }

    /** {@code sort}: the spec allows only joined_group_at, ascending (the order members are kept in) or descending. */
    private static boolean newestFirst(Req r) {
        String sort = r.query("sort");
        if (sort == null || sort.isBlank() || "joined_group_at".equals(sort)) {
            return false;
        }
        if ("-joined_group_at".equals(sort)) {
            return true;
        }
        throw ApiError.invalidParam("'" + sort + "' is not a valid sort for this endpoint.", "sort");
    }

    Reply changeMembers(Req r, boolean add) {
        ListState l = list(r);
        JsonNode data = r.body().path("data");
        if (!data.isArray()) {
            throw ApiError.invalid("'data' must be an array of profile identifiers.", "/data");
        }
        if (data.size() > MAX_RELATIONSHIP_IDS) {
            throw ApiError.invalid("A maximum of " + MAX_RELATIONSHIP_IDS + " profiles can be " + (add ? "added to" : "removed from")
                    + " a list per request.", "/data");
        }
        List<String> ids = new ArrayList<>();
        List<ApiError.Entry> problems = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            JsonNode item = data.get(i);
            if (!item.isObject() || !"profile".equals(item.path("type").asText())) {
                problems.add(entry("Each item must be a resource identifier of type 'profile'.", "/data/" + i + "/type"));
                continue;
            }
            if (!item.path("id").isTextual() || item.path("id").asText().isBlank()) {
                problems.add(entry("'id' is required; profiles are identified by id only.", "/data/" + i + "/id"));
                continue;
            }
            String id = item.path("id").asText();
            if (!r.account().profiles.containsKey(id)) {
                if (emulator.faults().unknownProfileIdPolicy() == Faults.UnknownProfileIds.REJECT) {
                    problems.add(entry("A profile with id " + id + " does not exist.", "/data/" + i + "/id"));
                }
                continue;
            }
            ids.add(id);
        }
        failIf(problems);
        Instant now = r.account().now();
        for (String id : ids) {
            if (add) {
                l.members.add(id, now);
            } else {
                l.members.remove(id);
            }
        }
        return Reply.noContent();
    }
}
