package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.JsonApi.attributes;
import static com.nosto.klaviyo.emulator.JsonApi.data;
import static com.nosto.klaviyo.emulator.JsonApi.entry;
import static com.nosto.klaviyo.emulator.JsonApi.failIf;
import static com.nosto.klaviyo.emulator.JsonApi.page;
import static com.nosto.klaviyo.emulator.JsonApi.selfUrl;
import static com.nosto.klaviyo.emulator.JsonApi.single;
import static com.nosto.klaviyo.emulator.ProfileRules.PROFILE_ATTRS;
import static com.nosto.klaviyo.emulator.ProfileRules.UPSERT_ATTRS;
import static com.nosto.klaviyo.emulator.ProfileRules.clash;
import static com.nosto.klaviyo.emulator.ProfileRules.duplicate;
import static com.nosto.klaviyo.emulator.ProfileRules.matchForUpsert;
import static com.nosto.klaviyo.emulator.ProfileRules.metaProblems;
import static com.nosto.klaviyo.emulator.ProfileRules.sizeCheck;
import static com.nosto.klaviyo.emulator.Resources.profileResource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Reply;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Profiles: {@code /api/profiles} and {@code /api/profile-import} (create-or-update). */
final class ProfilesApi {

    private static final Map<String, Set<String>> PROFILE_FILTERS = Map.of("email", Set.of("equals", "any"), "id", Set.of("equals", "any"),
            "phone_number", Set.of("equals", "any"), "external_id", Set.of("equals", "any"));

    private final ProfileRules rules;

    ProfilesApi(ProfileRules rules) {
        this.rules = rules;
    }

    private ProfileState profile(Req r) {
        ProfileState p = r.account().profiles.get(r.param(0));
        if (p == null) {
            throw ApiError.notFound("A profile with id " + r.param(0) + " does not exist.");
        }
        return p;
    }

    Reply getProfiles(Req r) {
        Filter f = Filter.parse(r.query("filter"), PROFILE_FILTERS);
        List<ProfileState> matching = candidates(r.account(), f).stream()
                .filter(p -> f.matches(p, field -> switch (field) {
                    case "id" -> p.id;
                    case "email" -> p.email();
                    default -> (String) p.attributes.get(field);
                })).toList();
        Resources.ProfileView view = Resources.ProfileView.of(r);
        return new Reply(200, page(r, matching, p -> p.seq, p -> profileResource(p, r, view, null), 20, 100));
    }

    /**
     * The profiles a filter can match, in the account's order: through the email index when the filter names
     * emails (as Klaviyo does not read every profile for {@code any(email,[…])}), else all of them. The filter
     * itself still decides.
     */
    private static java.util.Collection<ProfileState> candidates(EmulatedAccount account, Filter f) {
        for (Filter.Condition c : f.conditions()) {
            if ("email".equals(c.field())) {
                List<ProfileState> found = account.byEmails(c.values());
                if (found != null) {
                    return found;
                }
            }
        }
        return account.profiles.values();
    }

    Reply getProfile(Req r) {
        Resources.ProfileView view = Resources.ProfileView.of(r);
        return new Reply(200, single(profileResource(profile(r), r, view, null), selfUrl(r)));
    }

    Reply createProfile(Req r) {
        ObjectNode data = data(r.body(), "profile");
        ObjectNode attrs = attributes(data, "/data");
        List<ApiError.Entry> problems = rules.profileProblems(r, "create_profile", attrs, "/data/attributes", PROFILE_ATTRS, true);
        if (data.has("meta")) {
            problems.add(entry("'meta' is not a valid field for this request.", "/data/meta"));
        }
        failIf(problems);
        sizeCheck(data);
        ProfileState existing = clash(r.account(), attrs, null);
        if (existing != null) {
            throw duplicate(existing);
        }
        ProfileState p = r.account().newProfile();
        p.apply(attrs, true);
        return new Reply(201, single(profileResource(p, r), r.base() + "/api/profiles/"));
    }

    Reply updateProfile(Req r) {
        ProfileState p = profile(r);
        ObjectNode data = data(r.body(), "profile");
        if (!data.path("id").isTextual()) {
            throw ApiError.invalid("'id' is a required field.", "/data/id");
        }
        if (!r.param(0).equals(data.path("id").asText())) {
            throw ApiError.of(409, "conflict", "Conflict.", "The id in the body does not match the URL.", "/data/id", null);
        }
        ObjectNode attrs = attributes(data, "/data");
        List<ApiError.Entry> problems = rules.profileProblems(r, "update_profile", attrs, "/data/attributes", PROFILE_ATTRS, false);
        problems.addAll(metaProblems(data.path("meta"), "/data/meta"));
        failIf(problems);
        sizeCheck(data);
        ProfileState other = clash(r.account(), attrs, p);
        if (other != null) {
            throw duplicate(other);
        }
        p.apply(attrs, true);
        p.patch(data.path("meta").path("patch_properties"));
        p.updated = r.account().now();
        return new Reply(200, single(profileResource(p, r), selfUrl(r)));
    }

    Reply upsertProfile(Req r) {
        ObjectNode data = data(r.body(), "profile");
        ObjectNode attrs = attributes(data, "/data");
        JsonNode id = data.path("id");
        List<ApiError.Entry> problems = rules.profileProblems(r, "create_or_update_profile", attrs, "/data/attributes", UPSERT_ATTRS,
                !id.isTextual());
        problems.addAll(metaProblems(data.path("meta"), "/data/meta"));
        failIf(problems);
        sizeCheck(data);
        ProfileState target = matchForUpsert(r.account(), id.isTextual() ? id.asText() : null, attrs);
        boolean created = target == null;
        if (created) {
            target = r.account().newProfile();
        }
        target.apply(attrs, true);
        target.patch(data.path("meta").path("patch_properties"));
        target.updated = r.account().now();
        return new Reply(created ? 201 : 200, single(profileResource(target, r), r.base() + "/api/profile-import/"));
    }
}
