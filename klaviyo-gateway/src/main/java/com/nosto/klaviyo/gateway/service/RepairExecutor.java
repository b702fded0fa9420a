package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoClient.BulkProfile;
import com.nosto.klaviyo.gateway.client.KlaviyoRejectedException;
import com.nosto.klaviyo.gateway.client.KlaviyoResponse;
import com.nosto.klaviyo.gateway.client.NostoProperties;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.ListedMember;
import com.nosto.klaviyo.gateway.domain.RepairPlan;
import com.nosto.klaviyo.gateway.domain.SyncPlan;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Carries out a {@link RepairPlan} through the apply path's own steps: the list created ({@link ListService}) or renamed
 * back first, then bulk import jobs with the list attached ({@link BulkImport}: invalid rows resubmitted once, a list
 * that vanishes re-created, each job followed to completion), list adds and removals by profile id, and unset jobs. Every
 * call is paced for the account and made only while its lease is valid (the client). Idempotent: upserts and list
 * changes converge whatever was done before, so a repair cut short is completed by the next audit.
 */
@ApplicationScoped
public class RepairExecutor {

    /** What a repair did: members put back, foreign members removed, rows that failed, write calls. */
    public record Outcome(int added, int removed, int failed, int writes, String listId) {
    }

    private final KlaviyoClient klaviyo;
    private final BulkImport bulk;
    private final ListService lists;
    private final ConnectionRepository connections;
    private final int concurrency;

    public RepairExecutor(KlaviyoClient klaviyo, BulkImport bulk, ListService lists, ConnectionRepository connections,
            KlaviyoConfig config) {
        this.klaviyo = klaviyo;
        this.bulk = bulk;
        this.lists = lists;
        this.connections = connections;
        this.concurrency = Math.max(1, config.batching().concurrency());
    }

    /** {@code run} carries the account's credentials and the list in use (null when the plan creates it). */
    Uni<Outcome> repair(ChunkRun run, RepairPlan plan, int missing) {
        AtomicInteger failedMissing = new AtomicInteger();
        AtomicInteger removed = new AtomicInteger();
        return listFirst(run, plan)
                .chain(() -> each(plan.upsertJobs(), job -> upsert(run, job)))
                .chain(() -> each(plan.listAdds(), ids -> members(run, ids, true).invoke(ok -> {
                    if (!ok) {
                        failedMissing.addAndGet(ids.size());
                    }
                }).replaceWithVoid()))
                .chain(() -> each(plan.removals(), chunk -> members(run, chunk.stream().map(ListedMember::profileId).toList(), false)
                        .invoke(ok -> {
                            if (ok) {
                                removed.addAndGet(chunk.size());
                            } else {
                                chunk.forEach(m -> run.result.failed(m.email(), "list removal failed"));
                            }
                        }).replaceWithVoid()))
                .chain(() -> each(plan.unsetJobs(), chunk -> bulk.run(run, chunk.stream()
                        .map(m -> BulkProfile.unset(m.email(), m.profileId())).toList(),
                        chunk.stream().map(ListedMember::email).toList(), true, false).invoke(errors -> errors.forEach(run.result::failed))
                        .replaceWithVoid()))
                .map(x -> new Outcome(Math.max(0, missing - failedMissing.get() - run.result.failed), removed.get(), run.result.failed
                        + failedMissing.get(), run.result.writes, run.listId()));
    }

    private Uni<Void> listFirst(ChunkRun run, RepairPlan plan) {
        if (plan.createList()) {
            return lists.recreate(run, null);
        }
        if (plan.renameList()) {
            run.result.wrote();
            return klaviyo.renameList(run.cred, run.listId(), run.listName).chain(r -> {
                if (!r.ok()) {
                    return Uni.createFrom().failure(new KlaviyoRejectedException(r.describe()));
                }
                return connections.updateList(run.accountId, run.listId(), run.listName);
            });
        }
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> upsert(ChunkRun run, List<SyncPlan.Upsert> job) {
        List<BulkProfile> profiles = job.stream()
                .map(u -> BulkProfile.upsert(u.email(), new NostoProperties(u.nostoSegment(), u.nostoSegments()))).toList();
        return bulk.run(run, profiles, job.stream().map(SyncPlan.Upsert::email).toList(), true, true)
                .invoke((Map<String, String> errors) -> errors.forEach(run.result::failed)).replaceWithVoid();
    }

    /** One list add or removal by profile ids; false when Klaviyo refused it. A vanished list is re-created once. */
    private Uni<Boolean> members(ChunkRun run, List<String> ids, boolean add) {
        run.result.wrote();
        String listId = run.listId();
        Uni<KlaviyoResponse> call = add ? klaviyo.addToList(run.cred, listId, ids) : klaviyo.removeFromList(run.cred, listId, ids);
        return call.chain(r -> {
            if (r.ok()) {
                return Uni.createFrom().item(true);
            }
            if (r.gone() && run.mayRecreate(listId)) {
                // A re-created list is empty: adds go to it, removals have nothing left to do.
                return lists.recreate(run, listId).chain(() -> add ? members(run, ids, true) : Uni.createFrom().item(true));
            }
            return Uni.createFrom().item(false);
        });
    }

    private <T> Uni<Void> each(List<T> items, Function<T, Uni<Void>> step) {
        if (items.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(items).onItem().<Void>transformToUni(step::apply).merge(concurrency)
                .collect().asList().replaceWithVoid();
    }
}
