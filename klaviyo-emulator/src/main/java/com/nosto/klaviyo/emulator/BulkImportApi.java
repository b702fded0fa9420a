package com.nosto.klaviyo.emulator;

import static com.nosto.klaviyo.emulator.JsonApi.attributes;
import static com.nosto.klaviyo.emulator.JsonApi.bytes;
import static com.nosto.klaviyo.emulator.JsonApi.data;
import static com.nosto.klaviyo.emulator.JsonApi.entry;
import static com.nosto.klaviyo.emulator.JsonApi.failIf;
import static com.nosto.klaviyo.emulator.JsonApi.page;
import static com.nosto.klaviyo.emulator.JsonApi.selfUrl;
import static com.nosto.klaviyo.emulator.JsonApi.single;
import static com.nosto.klaviyo.emulator.ProfileRules.MAX_PROFILE_BYTES;
import static com.nosto.klaviyo.emulator.ProfileRules.UPSERT_ATTRS;
import static com.nosto.klaviyo.emulator.ProfileRules.matchForUpsert;
import static com.nosto.klaviyo.emulator.ProfileRules.metaProblems;
import static com.nosto.klaviyo.emulator.Resources.jobResource;
import static com.nosto.klaviyo.emulator.Resources.listResource;
import static com.nosto.klaviyo.emulator.Resources.profileResource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.emulator.KlaviyoApi.Reply;
import com.nosto.klaviyo.emulator.KlaviyoApi.Req;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Bulk profile import jobs: a job is accepted (202, {@code queued}), turns {@code processing} half way through the
 * configured (or fault-injected) job time and {@code complete} at its end, when its profiles are upserted, listed,
 * and rows that fail are kept for {@code import-errors}.
 */
final class BulkImportApi {

    static final int MAX_BULK_PROFILES = 10_000;

    private final KlaviyoEmulator emulator;
    private final Vertx vertx;
    private final ProfileRules rules;

    BulkImportApi(KlaviyoEmulator emulator, Vertx vertx, ProfileRules rules) {
        this.emulator = emulator;
        this.vertx = vertx;
        this.rules = rules;
    }

    Reply bulkImport(Req r) {
        ObjectNode data = data(r.body(), "profile-bulk-import-job");
        ObjectNode attrs = attributes(data, "/data");
        JsonNode profiles = attrs.path("profiles").path("data");
        if (!profiles.isArray()) {
            throw ApiError.invalid("'profiles.data' is a required array.", "/data/attributes/profiles/data");
        }
        if (profiles.isEmpty()) {
            throw ApiError.invalid("At least one profile is required.", "/data/attributes/profiles/data");
        }
        if (profiles.size() > MAX_BULK_PROFILES) {
            throw ApiError.invalid("A maximum of " + MAX_BULK_PROFILES + " profiles can be imported per request.", "/data/attributes/profiles/data");
        }
        List<ApiError.Entry> problems = new ArrayList<>();
        List<JsonNode> accepted = new ArrayList<>();
        for (int i = 0; i < profiles.size(); i++) {
            JsonNode p = profiles.get(i);
            String pointer = "/data/attributes/profiles/data/" + i;
            if (!p.isObject() || !"profile".equals(p.path("type").asText())) {
                problems.add(entry("Each profile must be a resource object of type 'profile'.", pointer + "/type"));
                continue;
            }
            JsonNode pa = p.path("attributes");
            if (!pa.isObject()) {
                problems.add(entry("'attributes' is a required object.", pointer + "/attributes"));
                continue;
            }
            problems.addAll(rules.profileProblems(r, "bulk_import_profiles", pa, pointer + "/attributes", UPSERT_ATTRS, !p.path("id").isTextual()));
            problems.addAll(metaProblems(p.path("meta"), pointer + "/meta"));
            if (bytes(p) > MAX_PROFILE_BYTES) {
                problems.add(entry("A profile payload must not exceed 100 KB.", pointer));
            }
            accepted.add(p);
        }
        String listId = null;
        JsonNode lists = data.path("relationships").path("lists").path("data");
        if (!lists.isMissingNode() && !lists.isNull()) {
            if (!lists.isArray()) {
                problems.add(entry("'relationships.lists.data' must be an array.", "/data/relationships/lists/data"));
            } else if (lists.size() > 1) {
                problems.add(entry("Only one list can be attached to a bulk import job.", "/data/relationships/lists/data"));
            } else if (lists.size() == 1) {
                JsonNode item = lists.get(0);
                listId = item.path("id").asText(null);
                if (!"list".equals(item.path("type").asText()) || listId == null) {
                    problems.add(entry("A list relationship needs type 'list' and an id.", "/data/relationships/lists/data/0"));
                } else if (!r.account().lists.containsKey(listId)) {
                    problems.add(new ApiError.Entry("not_found", "Not found.", "A list with id " + listId + " does not exist.",
                            "/data/relationships/lists/data/0/id", null, Map.of()));
                }
            }
        }
        failIf(problems);
        JobState job = new JobState(Ids.jobId(), r.account().now(), accepted, listId);
        r.account().jobs.put(job.id, job);
        schedule(r.account(), job);
        return new Reply(202, single(jobResource(job, r.base()), r.base() + "/api/profile-bulk-import-jobs/"));
    }

    private void schedule(EmulatedAccount account, JobState job) {
        Duration delay = emulator.faults().bulkJobDelay().orElse(emulator.config().bulkJobDelay());
        long total = Math.max(2, delay.toMillis());
        vertx.setTimer(Math.max(1, total / 2), t -> {
            synchronized (account) {
                if ("queued".equals(job.status)) {
                    job.status = "processing";
                    job.startedAt = account.now();
                }
            }
            vertx.setTimer(Math.max(1, total - total / 2), t2 -> complete(account, job));
        });
    }

    private void complete(EmulatedAccount account, JobState job) {
        synchronized (account) {
            if (!account.jobs.containsKey(job.id)) {
                return; // reset meanwhile
            }
            ListState list = job.listId == null ? null : account.lists.get(job.listId);
            for (int i = 0; i < job.profiles.size(); i++) {
                JsonNode p = job.profiles.get(i);
                JsonNode attrs = p.path("attributes");
                String pointer = "/data/attributes/profiles/data/" + i;
                String email = attrs.path("email").isTextual() ? attrs.path("email").asText() : null;
                if (emulator.faults().failsInBulk(email)) {
                    fail(job, "invalid", "Invalid input.", "The profile could not be imported.", pointer, p);
                    continue;
                }
                ProfileState target;
                try {
                    target = matchForUpsert(account, p.path("id").isTextual() ? p.path("id").asText() : null, attrs);
                } catch (ApiError e) {
                    ApiError.Entry first = e.entries.get(0);
                    fail(job, first.code(), first.title(), first.detail(), pointer, p);
                    continue;
                }
                if (target == null) {
                    target = account.newProfile();
                }
                // Bulk import does not clear fields with null (Klaviyo docs); unset is the way.
                target.apply(attrs, false);
                target.patch(p.path("meta").path("patch_properties"));
                target.updated = account.now();
                if (list != null) {
                    list.members.add(target.id, account.now());
                }
                job.profileIds.add(target.id);
                job.completed++;
            }
            if (job.startedAt == null) {
                job.startedAt = account.now();
            }
            job.status = "complete";
            job.completedAt = account.now();
            job.profiles.clear();
        }
    }

    private static void fail(JobState job, String code, String title, String detail, String pointer, JsonNode payload) {
        job.errors.add(new BulkImportJob.ImportError(Ids.jobId(), code, title, detail, pointer, Json.toJava(payload)));
        job.failed++;
    }

    private JobState job(Req r) {
        JobState j = r.account().jobs.get(r.param(0));
        if (j == null) {
            throw ApiError.notFound("A bulk import job with id " + r.param(0) + " does not exist.");
        }
        return j;
    }

    Reply getJobs(Req r) {
        Filter f = Filter.parse(r.query("filter"), Map.of("status", Set.of("equals")));
        List<JobState> jobs = r.account().jobs.values().stream().filter(j -> f.matches(j, field -> j.status)).toList();
        return new Reply(200, page(r, jobs, j -> jobResource(j, r.base()), 20, 100));
    }

    Reply getJob(Req r) {
        JobState j = job(r);
        ObjectNode root = single(jobResource(j, r.base()), selfUrl(r));
        if (String.valueOf(r.query("include")).contains("lists") && j.listId != null && r.account().lists.containsKey(j.listId)) {
            root.putArray("included").add(listResource(r.account().lists.get(j.listId), r.base(), false));
        }
        return new Reply(200, root);
    }

    Reply getJobErrors(Req r) {
        JobState j = job(r);
        return new Reply(200, page(r, j.errors, e -> {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("type", "import-error");
            o.put("id", e.id());
            ObjectNode a = o.putObject("attributes");
            a.put("code", e.code());
            a.put("title", e.title());
            a.put("detail", e.detail());
            a.putObject("source").put("pointer", e.pointer());
            a.set("original_payload", Json.MAPPER.valueToTree(e.originalPayload()));
            return o;
        }, 20, 100));
    }

    Reply jobProfiles(Req r, boolean idsOnly) {
        JobState j = job(r);
        List<ProfileState> ps = j.profileIds.stream().map(r.account().profiles::get).filter(p -> p != null).toList();
        Resources.ProfileView view = idsOnly ? null : Resources.ProfileView.of(r);
        Function<ProfileState, JsonNode> render = idsOnly
                ? p -> Json.MAPPER.createObjectNode().put("type", "profile").put("id", p.id)
                : p -> profileResource(p, r, view, null);
        return new Reply(200, page(r, ps, render, 20, 100));
    }

    Reply jobLists(Req r) {
        JobState j = job(r);
        ListState l = j.listId == null ? null : r.account().lists.get(j.listId);
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        if (l != null) {
            data.add(listResource(l, r.base(), false));
        }
        root.putObject("links").put("self", selfUrl(r));
        return new Reply(200, root);
    }
}
