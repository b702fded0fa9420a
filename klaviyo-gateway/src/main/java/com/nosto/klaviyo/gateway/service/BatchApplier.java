package com.nosto.klaviyo.gateway.service;

import static com.nosto.klaviyo.gateway.client.KlaviyoResponse.attributes;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoClient.BulkProfile;
import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.client.KlaviyoResponse;
import com.nosto.klaviyo.gateway.client.KlaviyoUnavailableException;
import com.nosto.klaviyo.gateway.client.NostoProperties;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.domain.PlanLimits;
import com.nosto.klaviyo.gateway.domain.SyncPlan;
import com.nosto.klaviyo.gateway.domain.SyncPlanner;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Applies the batches of one window of one account to Klaviyo as one: skips batch ids applied before,
 * merges the contacts (the highest version per email wins), plans the calls once ({@link SyncPlanner}), so
 * a window released as many small batches costs what it would cost as one (bulk jobs of 10,000, list
 * removals of 1,000, one list check), executes them, and records every batch id, the ledger, the
 * window's counts and per-row outcomes in one transaction. Batches that cannot be applied now (not
 * connected, key rejected, Klaviyo unavailable) are parked one by one, never dropped. Work for one account
 * is serialised, so the consumer and the parked-batch drainer never interleave.
 */
@ApplicationScoped
public class BatchApplier {

    private static final Logger LOG = Logger.getLogger(BatchApplier.class);

    public enum Outcome { APPLIED, DUPLICATE, PARKED }

    /** One batch as received: parsed, and its original JSON (kept verbatim when parked). */
    public record Received(SyncBatch batch, String payload) {
    }

    private final KlaviyoClient klaviyo;
    private final ListService lists;
    private final ConnectionRepository connections;
    private final SyncStateRepository state;
    private final KeyCipher cipher;
    private final KlaviyoConfig config;
    private final MeterRegistry metrics;
    private final SyncPlanner planner;
    private final BulkJobFollower jobs;
    private final Map<String, CompletableFuture<?>> accountTails = new ConcurrentHashMap<>();

    public BatchApplier(KlaviyoClient klaviyo, ListService lists, ConnectionRepository connections, SyncStateRepository state,
            KeyCipher cipher, KlaviyoConfig config, MeterRegistry metrics, BulkJobFollower jobs) {
        this.klaviyo = klaviyo;
        this.jobs = jobs;
        this.lists = lists;
        this.connections = connections;
        this.state = state;
        this.cipher = cipher;
        this.config = config;
        this.metrics = metrics;
        KlaviyoConfig.Batching b = config.batching();
        this.planner = new SyncPlanner(new PlanLimits(b.bulkThreshold(), b.unsetBulkThreshold(), b.bulkMaxProfiles(),
                b.bulkMaxBytes(), b.listChunk(), b.lookupChunk()));
    }

    public Uni<Outcome> apply(SyncBatch batch, String payload) {
        return apply(List.of(new Received(batch, payload)));
    }

    /**
     * Applies batches of one account and one window together (in the order given; the ledger's versions
     * decide between states of one contact). The returned outcome is PARKED when they were parked,
     * DUPLICATE when every one was applied before, else APPLIED.
     */
    public Uni<Outcome> apply(List<Received> batches) {
        if (batches.isEmpty()) {
            return Uni.createFrom().failure(new IllegalArgumentException("no batches"));
        }
        SyncBatch first = batches.get(0).batch();
        for (Received r : batches) {
            if (!r.batch().accountId().equals(first.accountId()) || !r.batch().windowId().equals(first.windowId())) {
                return Uni.createFrom().failure(new IllegalArgumentException("batches of one account and window only: "
                        + first.batchId() + " vs " + r.batch().batchId()));
            }
        }
        return serialised(first.accountId(), () -> applyNow(batches))
                .invoke(o -> metrics.counter("gateway.batches", "outcome", o.name()).increment(batches.size()));
    }

    private Uni<Outcome> applyNow(List<Received> received) {
        Map<String, Received> unique = new LinkedHashMap<>();
        received.forEach(r -> unique.putIfAbsent(r.batch().batchId(), r));
        String accountId = received.get(0).batch().accountId();
        return state.appliedAmong(unique.keySet()).chain(done -> {
            List<Received> todo = unique.values().stream().filter(r -> !done.contains(r.batch().batchId())).toList();
            if (!done.isEmpty()) {
                LOG.debugf("Batches %s already applied; no Klaviyo call for them", done);
            }
            Uni<Void> forgetDone = state.unparkAll(done);
            if (todo.isEmpty()) {
                return forgetDone.replaceWith(Outcome.DUPLICATE);
            }
            if (todo.stream().allMatch(r -> r.batch().contacts() == null || r.batch().contacts().isEmpty())) {
                // End markers (or empty batches) only: nothing for Klaviyo, so no connection is needed and nothing is
                // parked. Their ids are recorded, so a redelivery is recognised.
                LOG.debugf("Window %s of account %s: %d batch(es) without contacts recorded, no Klaviyo call",
                        todo.get(0).batch().windowId(), accountId, todo.size());
                return forgetDone.chain(() -> state.commitContactless(todo.stream().map(Received::batch).toList()))
                        .replaceWith(Outcome.APPLIED);
            }
            return forgetDone.chain(() -> connections.find(accountId)).chain(found -> {
                if (found.isEmpty()) {
                    return park(todo, "not-connected", "account has no Klaviyo connection yet");
                }
                Connection conn = found.get();
                if (!conn.isConnected()) {
                    return park(todo, "key-rejected", conn.statusReason() + "; reconnect to resume");
                }
                return applyConnected(todo, conn)
                        .onFailure(KeyRejectedException.class).recoverWithUni(e -> {
                            metrics.counter("gateway.accounts.disconnected").increment();
                            LOG.warnf("Account %s disconnected: %s", accountId, e.getMessage());
                            return connections.markDisconnected(accountId, e.getMessage())
                                    .chain(() -> park(todo, "key-rejected", e.getMessage()));
                        })
                        .onFailure(KlaviyoUnavailableException.class)
                        .recoverWithUni(e -> park(todo, "klaviyo-unavailable", e.getMessage()))
                        .onFailure(KlaviyoRejectedException.class)
                        .recoverWithUni(e -> park(todo, "klaviyo-rejected", e.getMessage()));
            });
        });
    }

    private Uni<Outcome> park(List<Received> batches, String kind, String reason) {
        metrics.counter("gateway.batches.parked", "reason", kind).increment(batches.size());
        SyncBatch first = batches.get(0).batch();
        LOG.infof("Parked %d batch(es) of window %s of account %s (%s): %s", batches.size(), first.windowId(),
                first.accountId(), kind, reason);
        return state.parkAll(batches.stream().map(Received::batch).toList(), batches.stream().map(Received::payload).toList(),
                kind + ": " + reason).replaceWith(Outcome.PARKED);
    }

    /**
     * Everything one window's execution needs and accumulates. The upsert and leaving branches (and bulk
     * jobs within them) run concurrently: the result is thread-safe, the list id is guarded by {@code this}.
     */
    private static final class Run {
        final String accountId;
        final KlaviyoCredentials cred;
        final String listName;
        final BatchResult result = new BatchResult();
        private String listId;
        private String recreatedFrom;
        private Uni<Void> recreation;

        Run(String accountId, KlaviyoCredentials cred, String listId, String listName) {
            this.accountId = accountId;
            this.cred = cred;
            this.listId = listId;
            this.listName = listName;
        }

        synchronized String listId() {
            return listId;
        }

        synchronized void listId(String id) {
            listId = id;
        }

        /** A 404 for {@code vanished} may still be answered by (one) re-creation of the list. */
        synchronized boolean mayRecreate(String vanished) {
            return recreation == null || Objects.equals(recreatedFrom, vanished) || !Objects.equals(vanished, listId);
        }
    }

    private Uni<Outcome> applyConnected(List<Received> batches, Connection conn) {
        List<SyncBatch> applied = batches.stream().map(Received::batch).toList();
        String key = cipher.open(conn.accountId(), new KeyCipher.Sealed(conn.keyId(), conn.encryptedKey()));
        Run run = new Run(conn.accountId(), new KlaviyoCredentials(conn.accountId(), key), conn.listId(), conn.listName());
        // The window's contacts in batch order, and which batch carried each contact's winning state (for its row outcome).
        List<ContactState> contacts = new ArrayList<>();
        Map<String, ContactState> winner = new HashMap<>();
        Map<String, String> batchOf = new HashMap<>();
        for (SyncBatch b : applied) {
            for (ContactState c : b.contacts() == null ? List.<ContactState>of() : b.contacts()) {
                contacts.add(c);
                String raw = c.email() == null ? "" : c.email();
                batchOf.putIfAbsent(raw, b.batchId());
                String email = ContactKey.normaliseEmail(c.email());
                if (email != null && !email.isEmpty()) {
                    ContactState previous = winner.get(email);
                    if (previous == null || previous.version() < c.version()) {
                        winner.put(email, c);
                        batchOf.put(email, b.batchId());
                    }
                }
            }
        }
        String firstBatch = applied.get(0).batchId();
        List<String> emails = new ArrayList<>(winner.keySet());
        return state.ledger(conn.accountId(), emails).chain(ledger -> {
            SyncPlan plan = planner.plan(contacts, ledger);
            plan.skipped().forEach(s -> run.result.skipped++);
            plan.invalid().forEach(e -> run.result.failed(e.email(), e.reason()));
            boolean work = plan.upsertCount() > 0 || !plan.leaving().isEmpty();
            // Entering/staying and leaving contacts are disjoint (one state per email), and Klaviyo paces each
            // operation separately, so both branches run side by side.
            Uni<Void> klaviyoWork = work
                    ? ensureList(run).chain(() -> Uni.combine().all().unis(applyUpserts(run, plan), applyLeaving(run, plan))
                            .discardItems())
                    : Uni.createFrom().voidItem();
            return klaviyoWork.chain(() -> state.commit(applied, run.result,
                    email -> batchOf.getOrDefault(email == null ? "" : email, firstBatch))).invoke(() -> {
                BatchResult r = run.result;
                metrics.counter("gateway.contacts.applied", "change", "ADDED").increment(r.added);
                metrics.counter("gateway.contacts.applied", "change", "MOVED").increment(r.moved);
                metrics.counter("gateway.contacts.applied", "change", "REMOVED").increment(r.removed);
                metrics.counter("gateway.contacts.applied", "change", "DELETED").increment(r.deleted);
                metrics.counter("gateway.row.errors").increment(r.failed);
                LOG.infof("Applied window %s of account %s (%d batches, %d contacts): added=%d moved=%d removed=%d deleted=%d"
                        + " skipped=%d failed=%d writes=%d", applied.get(0).windowId(), conn.accountId(), applied.size(),
                        contacts.size(), r.added, r.moved, r.removed, r.deleted, r.skipped, r.failed, r.writes);
            }).replaceWith(Outcome.APPLIED);
        });
    }

    // ---- The list (G1) ------------------------------------------------------------------------------

    private Uni<Void> ensureList(Run run) {
        String listId = run.listId();
        if (listId == null) {
            return recreateList(run, null);
        }
        return klaviyo.getList(run.cred, listId).chain(r -> {
            ListService.requireAuthorised(r);
            if (r.isNotFound()) {
                return recreateList(run, listId);
            }
            if (!r.isSuccess()) {
                throw new KlaviyoRejectedException(r.describe());
            }
            return Uni.createFrom().voidItem();
        });
    }

    /**
     * The list {@code vanished} (deleted in Klaviyo): find another by name or create one, once per window.
     * Concurrent branches that saw the same list vanish share the one re-creation; a branch that still used
     * the old id after it was replaced just goes on with the new one.
     */
    private Uni<Void> recreateList(Run run, String vanished) {
        synchronized (run) {
            if (run.recreation != null && Objects.equals(run.recreatedFrom, vanished)) {
                return run.recreation;
            }
            if (run.recreation != null && vanished != null && !vanished.equals(run.listId)) {
                return Uni.createFrom().voidItem();
            }
            if (run.recreation != null) {
                return Uni.createFrom().failure(new KlaviyoRejectedException("list " + vanished + " vanished again after re-creation"));
            }
            run.recreatedFrom = vanished;
            run.recreation = lists.findOrCreate(run.cred, run.listName).chain(ref -> {
                if (ref.created()) {
                    run.result.wrote();
                }
                LOG.infof("Account %s: list %s missing in Klaviyo, now using %s (%s)", run.accountId, vanished, ref.id(),
                        ref.created() ? "created" : "found by name");
                run.listId(ref.id());
                return connections.updateList(run.accountId, ref.id(), ref.name());
            }).memoize().indefinitely();
            return run.recreation;
        }
    }

    // ---- Entering and staying ----------------------------------------------------------------------

    private Uni<Void> applyUpserts(Run run, SyncPlan plan) {
        return switch (plan.upsertMode()) {
            case NONE -> Uni.createFrom().voidItem();
            case BULK -> concurrently(plan.bulkChunks(), chunk -> bulkUpsert(run, chunk, true));
            case SMALL -> smallUpserts(run, plan.smallUpserts());
        };
    }

    private Uni<Void> smallUpserts(Run run, List<SyncPlan.Upsert> upserts) {
        Map<String, String> ids = new LinkedHashMap<>();
        return sequentially(upserts, u -> importOne(run, u).invoke(id -> {
            if (id != null) {
                ids.put(u.email(), id);
            }
        }).replaceWithVoid()).chain(() -> {
            List<SyncPlan.Upsert> toAdd = upserts.stream().filter(u -> ids.containsKey(u.email()) && u.needsListAdd()).toList();
            Set<String> addFailed = new HashSet<>();
            return sequentially(SyncPlanner.chunks(toAdd, config.batching().listChunk()), chunk ->
                    addToList(run, chunk.stream().map(u -> ids.get(u.email())).toList()).invoke(error -> {
                        if (error != null) {
                            chunk.forEach(u -> {
                                addFailed.add(u.email());
                                run.result.failed(u.email(), error);
                            });
                        }
                    }).replaceWithVoid())
                    .invoke(() -> upserts.stream().filter(u -> ids.containsKey(u.email()) && !addFailed.contains(u.email()))
                            .forEach(u -> run.result.applied(u.email(), u.change(), u.version(), ids.get(u.email()), true)));
        });
    }

    /** profile-import one contact; a 409 duplicate is resolved to the existing profile and patched. Null id = row failed. */
    private Uni<String> importOne(Run run, SyncPlan.Upsert u) {
        NostoProperties props = new NostoProperties(u.nostoSegment(), u.nostoSegments());
        run.result.wrote();
        return klaviyo.importProfile(run.cred, u.email(), props).chain(r -> {
            ListService.requireAuthorised(r);
            if (r.isSuccess() && r.dataId() != null) {
                return Uni.createFrom().item(r.dataId());
            }
            var duplicate = r.duplicateProfileId();
            if (duplicate.isPresent()) {
                run.result.wrote();
                return klaviyo.updateProperties(run.cred, duplicate.get(), props).map(p -> {
                    ListService.requireAuthorised(p);
                    if (p.isSuccess()) {
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
    private Uni<String> addToList(Run run, List<String> ids) {
        run.result.wrote();
        String listId = run.listId();
        return klaviyo.addToList(run.cred, listId, ids).chain(r -> {
            ListService.requireAuthorised(r);
            if (r.isSuccess()) {
                return Uni.createFrom().nullItem();
            }
            if (r.isNotFound() && run.mayRecreate(listId)) {
                return recreateList(run, listId).chain(() -> addToList(run, ids));
            }
            return Uni.createFrom().item(r.describe());
        });
    }

    private Uni<Void> bulkUpsert(Run run, List<SyncPlan.Upsert> chunk, boolean mayResubmit) {
        List<BulkProfile> profiles = chunk.stream()
                .map(u -> BulkProfile.upsert(u.email(), new NostoProperties(u.nostoSegment(), u.nostoSegments()))).toList();
        List<String> emails = chunk.stream().map(SyncPlan.Upsert::email).toList();
        return runBulkJob(run, profiles, emails, mayResubmit, true).invoke(outcome -> {
            for (SyncPlan.Upsert u : chunk) {
                String error = outcome.get(u.email());
                if (error == null) {
                    run.result.applied(u.email(), u.change(), u.version(), u.knownProfileId(), true);
                } else {
                    run.result.failed(u.email(), error);
                }
            }
        }).replaceWithVoid();
    }

    /**
     * Submits one bulk job and follows it to completion. Returns, per email, the row's error (absent = ok).
     * A request rejected for invalid rows (400 with pointers) is resubmitted once without them.
     */
    private Uni<Map<String, String>> runBulkJob(Run run, List<BulkProfile> profiles, List<String> emails,
            boolean mayResubmit, boolean withList) {
        run.result.wrote();
        String listId = withList ? run.listId() : null;
        return klaviyo.createBulkImportJob(run.cred, profiles, listId).chain(r -> {
            ListService.requireAuthorised(r);
            if (r.isSuccess() && r.dataId() != null) {
                return jobs.follow(run.cred, r.dataId(), emails);
            }
            if (r.isNotFound() && withList && run.mayRecreate(listId)) {
                return recreateList(run, listId).chain(() -> runBulkJob(run, profiles, emails, mayResubmit, true));
            }
            Map<String, String> rejected = new LinkedHashMap<>();
            for (KlaviyoResponse.ApiError e : r.errors()) {
                Integer index = BulkJobFollower.profileIndex(e.pointer());
                if (index != null && index < emails.size()) {
                    rejected.merge(emails.get(index), e.code() + ": " + e.detail(), (a, b) -> a + "; " + b);
                }
            }
            if (r.status() == 400 && mayResubmit && !rejected.isEmpty() && rejected.size() < emails.size()) {
                List<BulkProfile> rest = new ArrayList<>();
                List<String> restEmails = new ArrayList<>();
                for (int i = 0; i < emails.size(); i++) {
                    if (!rejected.containsKey(emails.get(i))) {
                        rest.add(profiles.get(i));
                        restEmails.add(emails.get(i));
                    }
                }
                LOG.infof("Bulk job of account %s rejected for %d invalid profile(s); resubmitting the other %d once",
                        run.accountId, rejected.size(), rest.size());
                return runBulkJob(run, rest, restEmails, false, withList).map(second -> {
                    Map<String, String> all = new HashMap<>(second);
                    all.putAll(rejected);
                    return all;
                });
            }
            Map<String, String> all = new HashMap<>();
            String why = r.describe();
            emails.forEach(e -> all.put(e, rejected.getOrDefault(e, why)));
            return Uni.createFrom().item(all);
        });
    }

    // ---- Leaving and deleted ------------------------------------------------------------------------

    /**
     * Leaving contacts as a pipeline: ids from the ledger first, then each lookup's answers as they come; a
     * list removal goes out as soon as {@code list-chunk} ids are known, and an unset job as soon as
     * {@code bulk-max-profiles} contacts are out of the list (each stage keeps up to {@code concurrency} calls in
     * flight). Chunks stay full but the last, so the write calls are the same as when each stage waited for
     * the previous one to finish; only the stages overlap, so lookups, removals and unset jobs (separate
     * quotas) no longer add up.
     */
    private Uni<Void> applyLeaving(Run run, SyncPlan plan) {
        if (plan.leaving().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        KlaviyoConfig.Batching b = config.batching();
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
                    return unset(run, chunk, ids, failures, unsetSoFar[0] >= b.unsetBulkThreshold());
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
    private Uni<List<SyncPlan.Leave>> lookup(Run run, List<String> chunk, Map<String, String> ids, Map<String, SyncPlan.Leave> byEmail) {
        return klaviyo.findProfilesByEmails(run.cred, chunk).map(r -> {
            ListService.requireAuthorised(r);
            if (!r.isSuccess()) {
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
    private Uni<List<SyncPlan.Leave>> removeChunk(Run run, List<SyncPlan.Leave> chunk, Map<String, String> ids,
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
    private Uni<Void> unset(Run run, List<SyncPlan.Leave> chunk, Map<String, String> ids, Map<String, String> failures, boolean bulk) {
        if (bulk) {
            List<BulkProfile> profiles = chunk.stream().map(l -> BulkProfile.unset(l.email(), ids.get(l.email()))).toList();
            List<String> emails = chunk.stream().map(SyncPlan.Leave::email).toList();
            return runBulkJob(run, profiles, emails, true, false).invoke(failures::putAll).replaceWithVoid();
        }
        return sequentially(chunk, l -> unsetOne(run, ids.get(l.email())).invoke(error -> {
            if (error != null) {
                failures.put(l.email(), error);
            }
        }).replaceWithVoid());
    }

    private Uni<String> removeFromList(Run run, List<String> ids) {
        run.result.wrote();
        String listId = run.listId();
        return klaviyo.removeFromList(run.cred, listId, ids).chain(r -> {
            ListService.requireAuthorised(r);
            if (r.isSuccess()) {
                return Uni.createFrom().nullItem();
            }
            if (r.isNotFound() && run.mayRecreate(listId)) {
                // A re-created list is empty: nobody needs removing from it.
                return recreateList(run, listId).replaceWith((String) null);
            }
            return Uni.createFrom().item(r.describe());
        });
    }

    private Uni<String> unsetOne(Run run, String profileId) {
        run.result.wrote();
        return klaviyo.unsetProperties(run.cred, profileId).map(r -> {
            ListService.requireAuthorised(r);
            // 404: the profile is gone (deleted or merged in Klaviyo), so nothing is left to unset.
            return r.isSuccess() || r.isNotFound() ? null : r.describe();
        });
    }

    private Uni<Void> deleteProfiles(Run run, List<SyncPlan.Leave> known, Map<String, String> ids, Map<String, String> failures) {
        if (!config.deleteProfilesOnNostoDelete()) {
            return Uni.createFrom().voidItem();
        }
        List<SyncPlan.Leave> deleted = known.stream()
                .filter(l -> l.change() == ChangeType.DELETED && !failures.containsKey(l.email())).toList();
        return sequentially(deleted, l -> {
            run.result.wrote();
            return klaviyo.requestProfileDeletion(run.cred, ids.get(l.email())).invoke(r -> {
                ListService.requireAuthorised(r);
                if (!r.isSuccess()) {
                    failures.put(l.email(), r.describe());
                }
            }).replaceWithVoid();
        });
    }

    // ---- Helpers -------------------------------------------------------------------------------------

    /**
     * Runs the steps with at most {@code klaviyo.batching.concurrency} in flight (bulk jobs of one window,
     * list removals, lookups): each operation is paced by the client, so concurrency only stops one job's
     * processing time or one call's round trip from holding up the next.
     */
    private <T> Uni<Void> concurrently(List<T> items, java.util.function.Function<T, Uni<Void>> step) {
        if (items.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (items.size() == 1) {
            return step.apply(items.get(0));
        }
        return Multi.createFrom().iterable(items).onItem().<Void>transformToUni(step::apply)
                .merge(Math.max(1, config.batching().concurrency()))
                .collect().asList().replaceWithVoid();
    }

    private static <T> Uni<Void> sequentially(List<T> items, java.util.function.Function<T, Uni<Void>> step) {
        if (items.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // Each step's Uni<Void> emits null, which Multi drops; collecting just waits for the last step.
        return Multi.createFrom().iterable(items).onItem().<Void>transformToUniAndConcatenate(step::apply)
                .collect().asList().replaceWithVoid();
    }

    /**
     * Runs {@code work} after every earlier piece of work for the same account (in this instance) has finished.
     * The account's tail is extended when this is called, not when the returned Uni is subscribed, so work reaches
     * an account in the order {@link #apply(List)} was called (WindowGrouper relies on this).
     */
    private <T> Uni<T> serialised(String accountId, Supplier<Uni<T>> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        accountTails.compute(accountId, (k, tail) -> {
            CompletableFuture<?> previous = tail == null ? CompletableFuture.completedFuture(null) : tail;
            return previous.handle((x, e) -> null)
                    .thenCompose(x -> work.get().subscribeAsCompletionStage())
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                        } else {
                            result.complete(v);
                        }
                    })
                    .handle((v, e) -> null);
        });
        return Uni.createFrom().completionStage(result);
    }
}
