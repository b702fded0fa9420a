package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoClient.BulkProfile;
import com.nosto.klaviyo.gateway.client.NostoProperties;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.SyncPlan;
import com.nosto.klaviyo.gateway.domain.SyncPlanner;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Entering and staying contacts (G2, G3, G7): bulk import jobs with the list attached (up to {@code concurrency} in
 * flight), or below the bulk threshold one profile-import each, then list adds of up to 1,000 ids. A 409 duplicate is
 * resolved to the existing profile, which gets the two properties (G5).
 */
@ApplicationScoped
public class UpsertStep {

    private final KlaviyoClient klaviyo;
    private final BulkImport bulk;
    private final ListService lists;
    private final KlaviyoConfig.Batching batching;

    public UpsertStep(KlaviyoClient klaviyo, BulkImport bulk, ListService lists, KlaviyoConfig config) {
        this.klaviyo = klaviyo;
        this.bulk = bulk;
        this.lists = lists;
        this.batching = config.batching();
    }

    Uni<Void> apply(ChunkRun run, SyncPlan plan) {
        return switch (plan.upsertMode()) {
            case NONE -> Uni.createFrom().voidItem();
            case BULK -> concurrently(plan.bulkChunks(), chunk -> bulkUpsert(run, chunk));
            case SMALL -> smallUpserts(run, plan.smallUpserts());
        };
    }

    private Uni<Void> bulkUpsert(ChunkRun run, List<SyncPlan.Upsert> chunk) {
        List<BulkProfile> profiles = chunk.stream()
                .map(u -> BulkProfile.upsert(u.email(), new NostoProperties(u.nostoSegment(), u.nostoSegments()))).toList();
        List<String> emails = chunk.stream().map(SyncPlan.Upsert::email).toList();
        return bulk.run(run, profiles, emails, true, true).invoke(outcome -> {
            for (SyncPlan.Upsert u : chunk) {
                String error = outcome.get(u.email());
                if (error == null) {
                    run.result.applied(u.email(), u.change(), u.version(), u.knownProfileId(), true, u.nostoSegment(),
                            u.nostoSegments());
                } else {
                    run.result.failed(u.email(), error);
                }
            }
        }).replaceWithVoid();
    }

    private Uni<Void> smallUpserts(ChunkRun run, List<SyncPlan.Upsert> upserts) {
        Map<String, String> ids = new LinkedHashMap<>();
        return sequentially(upserts, u -> importOne(run, u).invoke(id -> {
            if (id != null) {
                ids.put(u.email(), id);
            }
        }).replaceWithVoid()).chain(() -> {
            List<SyncPlan.Upsert> toAdd = upserts.stream().filter(u -> ids.containsKey(u.email()) && u.needsListAdd()).toList();
            Set<String> addFailed = new HashSet<>();
            return sequentially(SyncPlanner.chunks(toAdd, batching.listChunk()), chunk ->
                    addToList(run, chunk.stream().map(u -> ids.get(u.email())).toList()).invoke(error -> {
                        if (error != null) {
                            chunk.forEach(u -> {
                                addFailed.add(u.email());
                                run.result.failed(u.email(), error);
                            });
                        }
                    }).replaceWithVoid())
                    .invoke(() -> upserts.stream().filter(u -> ids.containsKey(u.email()) && !addFailed.contains(u.email()))
                            .forEach(u -> run.result.applied(u.email(), u.change(), u.version(), ids.get(u.email()), true,
                                    u.nostoSegment(), u.nostoSegments())));
        });
    }

    /** profile-import one contact; a 409 duplicate is resolved to the existing profile and patched. Null id = row failed. */
    private Uni<String> importOne(ChunkRun run, SyncPlan.Upsert u) {
        NostoProperties props = new NostoProperties(u.nostoSegment(), u.nostoSegments());
        run.result.wrote();
        return klaviyo.importProfile(run.cred, u.email(), props).chain(r -> {
            if (r.ok() && r.dataId() != null) {
                return Uni.createFrom().item(r.dataId());
            }
            var duplicate = r.duplicateProfileId();
            if (duplicate.isPresent()) {
                run.result.wrote();
                return klaviyo.updateProperties(run.cred, duplicate.get(), props).map(p -> {
                    if (p.ok()) {
                        return duplicate.get();
                    }
                    run.result.failed(u.email(), p.describe());
                    return null;
                });
            }
            run.result.failed(u.email(), r.describe());
            return Uni.createFrom().nullItem();
        });
    }

    /** Adds ids to the list; returns null on success or the error for the chunk's rows. */
    private Uni<String> addToList(ChunkRun run, List<String> ids) {
        run.result.wrote();
        String listId = run.listId();
        return klaviyo.addToList(run.cred, listId, ids).chain(r -> {
            if (r.ok()) {
                return Uni.createFrom().nullItem();
            }
            if (r.gone() && run.mayRecreate(listId)) {
                return lists.recreate(run, listId).chain(() -> addToList(run, ids));
            }
            return Uni.createFrom().item(r.describe());
        });
    }

    /**
     * Runs the steps with at most {@code klaviyo.batching.concurrency} in flight: each operation is paced by the client,
     * so concurrency only stops one job's processing time or one call's round trip from holding up the next.
     */
    private <T> Uni<Void> concurrently(List<T> items, Function<T, Uni<Void>> step) {
        if (items.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (items.size() == 1) {
            return step.apply(items.get(0));
        }
        return Multi.createFrom().iterable(items).onItem().<Void>transformToUni(step::apply)
                .merge(Math.max(1, batching.concurrency()))
                .collect().asList().replaceWithVoid();
    }

    static <T> Uni<Void> sequentially(List<T> items, Function<T, Uni<Void>> step) {
        if (items.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // Each step's Uni<Void> emits null, which Multi drops; collecting just waits for the last step.
        return Multi.createFrom().iterable(items).onItem().<Void>transformToUniAndConcatenate(step::apply)
                .collect().asList().replaceWithVoid();
    }
}
