package com.nosto.klaviyo.gateway.service;

import static com.nosto.klaviyo.gateway.client.KlaviyoResponse.attributes;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoClient.BulkProfile;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.SyncPlan;
import com.nosto.klaviyo.gateway.domain.SyncPlanner;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Leaving and deleted contacts (G2, G3, G7): removed from the list by profile id and both properties unset; a
 * contact Klaviyo does not know is skipped, never created (bulk import would create it). With
 * {@code klaviyo.delete-profiles-on-nosto-delete}, a deleted contact's profile is deleted too.
 */
@ApplicationScoped
public class LeaveStep {

    private final KlaviyoClient klaviyo;
    private final BulkImport bulk;
    private final ListService lists;
    private final KlaviyoConfig.Batching batching;
    private final boolean deleteProfiles;

    public LeaveStep(KlaviyoClient klaviyo, BulkImport bulk, ListService lists, KlaviyoConfig config) {
        this.klaviyo = klaviyo;
        this.bulk = bulk;
        this.lists = lists;
        this.batching = config.batching();
        this.deleteProfiles = config.deleteProfilesOnNostoDelete();
    }

    /**
     * Leaving contacts as a pipeline: ids from the ledger first, then each lookup's answers as they come; a
     * list removal goes out as soon as {@code list-chunk} ids are known, and an unset job as soon as
     * {@code bulk-max-profiles} contacts are out of the list (each stage keeps up to {@code concurrency} calls in
     * flight). Chunks stay full but the last, so the write calls are the same as when each stage waited for
     * the previous one to finish; only the stages overlap, so lookups, removals and unset jobs (separate
     * quotas) no longer add up.
     */
    Uni<Void> apply(ChunkRun run, SyncPlan plan) {
        if (plan.leaving().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        KlaviyoConfig.Batching b = batching;
        int inFlight = Math.max(1, b.concurrency());
        Map<String, String> ids = new ConcurrentHashMap<>();
        Map<String, SyncPlan.Leave> byEmail = new HashMap<>();
        List<SyncPlan.Leave> cached = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        plan.leaving().forEach(l -> {
            byEmail.put(l.email(), l);
            if (l.knownProfileId() != null) {
                ids.put(l.email(), l.knownProfileId());
                cached.add(l);
            } else {
                unknown.add(l.email());
            }
        });
        List<SyncPlan.Leave> known = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, String> failures = new ConcurrentHashMap<>();
        Multi<SyncPlan.Leave> found = Multi.createBy().concatenating().streams(
                Multi.createFrom().iterable(cached),
                Multi.createFrom().iterable(SyncPlanner.lookupChunks(unknown, b.lookupChunk(), b.lookupMaxQueryChars()))
                        .onItem().transformToUni(chunk -> lookup(run, chunk, ids, byEmail)).merge(inFlight)
                        .onItem().transformToIterable(java.util.function.Function.identity()));
        Multi<SyncPlan.Leave> removed = found.invoke(known::add)
                .group().intoLists().of(Math.max(1, b.listChunk()))
                .onItem().transformToUni(chunk -> removeChunk(run, chunk, ids, failures)).merge(inFlight)
                .onItem().transformToIterable(java.util.function.Function.identity());
        int[] unsetSoFar = {0};
        return removed.group().intoLists().of(Math.max(1, b.bulkMaxProfiles()))
                .onItem().transformToUni(chunk -> {
                    // Emitted in order, the last (partial) chunk at the end: the count so far decides, as for the whole set.
                    unsetSoFar[0] += chunk.size();
                    return unset(run, chunk, ids, failures, unsetSoFar[0] >= b.unsetBulkThreshold() || plan.inParts());
                }).merge(inFlight)
                .collect().last()
                .chain(() -> {
                    List<SyncPlan.Leave> all = List.copyOf(known);
                    return deleteProfiles(run, all, ids, failures).invoke(() -> all.forEach(l -> {
                        String error = failures.get(l.email());
                        if (error == null) {
                            run.result.applied(l.email(), l.change(), l.version(), ids.get(l.email()), false);
                        } else {
                            run.result.failed(l.email(), error);
                        }
                    }));
                });
    }

    /**
     * One {@code any(email,[…])} lookup: returns the chunk's contacts Klaviyo knows (ids recorded); the others
     * are skipped, never created, or failed when the lookup failed.
     */
    private Uni<List<SyncPlan.Leave>> lookup(ChunkRun run, List<String> chunk, Map<String, String> ids, Map<String, SyncPlan.Leave> byEmail) {
        return klaviyo.findProfilesByEmails(run.cred, chunk).map(r -> {
            if (!r.ok()) {
                chunk.forEach(e -> run.result.failed(e, "profile lookup: " + r.describe()));
                return List.<SyncPlan.Leave>of();
            }
            Set<String> asked = new HashSet<>(chunk);
            r.dataArray().forEach(o -> {
                if (o instanceof JsonObject p && p.getString("id") != null) {
                    String email = ContactKey.normaliseEmail(attributes(p).getString("email"));
                    if (email != null && asked.contains(email)) {
                        ids.put(email, p.getString("id"));
                    }
                }
            });
            List<SyncPlan.Leave> known = new ArrayList<>();
            for (String email : chunk) {
                SyncPlan.Leave l = byEmail.get(email);
                if (ids.containsKey(email)) {
                    known.add(l);
                } else {
                    // Never created: bulk import or profile-import would make a profile for it.
                    run.result.skippedApplied(l.email(), l.version(), "unknown to Klaviyo: nothing to remove");
                }
            }
            return known;
        });
    }

    /** One list removal; returns the chunk's contacts that are out of the list (a failed chunk's are in failures). */
    private Uni<List<SyncPlan.Leave>> removeChunk(ChunkRun run, List<SyncPlan.Leave> chunk, Map<String, String> ids,
            Map<String, String> failures) {
        List<String> chunkIds = chunk.stream().map(l -> ids.get(l.email())).toList();
        return removeFromList(run, chunkIds).map(error -> {
            if (error == null) {
                return chunk;
            }
            chunk.forEach(l -> failures.put(l.email(), error));
            return List.<SyncPlan.Leave>of();
        });
    }

    /** Unsets both properties of contacts out of the list: one bulk job, or one PATCH each below the bulk threshold. */
    private Uni<Void> unset(ChunkRun run, List<SyncPlan.Leave> chunk, Map<String, String> ids, Map<String, String> failures, boolean inBulk) {
        if (inBulk) {
            List<BulkProfile> profiles = chunk.stream().map(l -> BulkProfile.unset(l.email(), ids.get(l.email()))).toList();
            List<String> emails = chunk.stream().map(SyncPlan.Leave::email).toList();
            return bulk.run(run, profiles, emails, true, false).invoke(failures::putAll).replaceWithVoid();
        }
        return UpsertStep.sequentially(chunk, l -> unsetOne(run, ids.get(l.email())).invoke(error -> {
            if (error != null) {
                failures.put(l.email(), error);
            }
        }).replaceWithVoid());
    }

    private Uni<String> removeFromList(ChunkRun run, List<String> ids) {
        run.result.wrote();
        String listId = run.listId();
        return klaviyo.removeFromList(run.cred, listId, ids).chain(r -> {
            if (r.ok()) {
                return Uni.createFrom().nullItem();
            }
            if (r.gone() && run.mayRecreate(listId)) {
                // A re-created list is empty: nobody needs removing from it.
                return lists.recreate(run, listId).replaceWith((String) null);
            }
            return Uni.createFrom().item(r.describe());
        });
    }

    private Uni<String> unsetOne(ChunkRun run, String profileId) {
        run.result.wrote();
        return klaviyo.unsetProperties(run.cred, profileId).map(r -> {
            // Gone: the profile was deleted or merged in Klaviyo, so nothing is left to unset.
            return r.ok() || r.gone() ? null : r.describe();
        });
    }

    private Uni<Void> deleteProfiles(ChunkRun run, List<SyncPlan.Leave> known, Map<String, String> ids, Map<String, String> failures) {
        if (!deleteProfiles) {
            return Uni.createFrom().voidItem();
        }
        List<SyncPlan.Leave> deleted = known.stream()
                .filter(l -> l.change() == ChangeType.DELETED && !failures.containsKey(l.email())).toList();
        return UpsertStep.sequentially(deleted, l -> {
            run.result.wrote();
            return klaviyo.requestProfileDeletion(run.cred, ids.get(l.email())).invoke(r -> {
                if (!r.ok()) {
                    failures.put(l.email(), r.describe());
                }
            }).replaceWithVoid();
        });
    }

}
