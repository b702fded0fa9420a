package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.logging.LogContext;
import com.nosto.klaviyo.common.tracing.Tracing;
import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.domain.ChunkPlanner;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.domain.PlanLimits;
import com.nosto.klaviyo.gateway.domain.SyncPlan;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.repository.InboxRepository;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import com.nosto.klaviyo.gateway.repository.entity.InboxBatchEntity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * One chunk of one window ({@link ChunkPlanner}): its batches read from the inbox a page at a time until the chunk is
 * full, planned against the ledger, applied to Klaviyo (the list checked at the window's first chunk, upserts and leaves side by side), and
 * committed in one transaction fenced by the lease: the ledger moves forward for its contacts, batches done leave the
 * inbox for applied_batch, batches applied in part keep only what is left, and the window's sync run adds the counts.
 * A restart or a lost lease therefore resumes after the last committed chunk; the heap holds one chunk at a time.
 *
 * <p>With tracing on, a chunk is one span ({@code klaviyo-gateway apply}) that continues the trace of its first batch
 * that arrived with one and links to the others' (at most {@link Tracing#MAX_LINKS}); its Klaviyo calls are its children.
 */
@ApplicationScoped
public class ChunkApplier {

    private static final Logger LOG = Logger.getLogger(ChunkApplier.class);
    /** Batches read per query: a few MB of payload at most (batches are ≤ 500 contacts). */
    static final int PAGE = 20;

    private final InboxRepository inbox;
    private final SyncStateRepository state;
    private final ListService lists;
    private final UpsertStep upserts;
    private final LeaveStep leaves;
    private final GatewayMetrics metrics;
    private final ChunkPlanner planner;
    private final Tracing tracing;

    public ChunkApplier(InboxRepository inbox, SyncStateRepository state, ListService lists, UpsertStep upserts, LeaveStep leaves,
            GatewayMetrics metrics, KlaviyoConfig klaviyo, GatewayConfig config, Tracing tracing) {
        this.tracing = tracing;
        this.inbox = inbox;
        this.state = state;
        this.lists = lists;
        this.upserts = upserts;
        this.leaves = leaves;
        this.metrics = metrics;
        KlaviyoConfig.Batching b = klaviyo.batching();
        this.planner = new ChunkPlanner(new PlanLimits(b.bulkThreshold(), b.unsetBulkThreshold(), b.bulkMaxProfiles(), b.bulkMaxBytes(),
                b.listChunk(), b.lookupChunk()), config.apply().chunkContacts());
    }

    /** The batches of one chunk as read, and whether they are all the window still has waiting. */
    private record Read(List<InboxBatchEntity> entities, List<ChunkPlanner.Row> rows, boolean endsWindow) {
    }

    /**
     * Applies one chunk of the window; true when it was the window's last. {@code firstChunk}: no part of the window
     * was applied yet, so the list is checked before its calls (one get_list per window; a later chunk that finds the
     * list gone re-creates it from the call that failed).
     */
    Uni<Boolean> apply(AccountLease lease, KlaviyoCredentials cred, Connection conn, String windowId, boolean firstChunk) {
        Instant started = Instant.now();
        String accountId = conn.accountId();
        return read(accountId, windowId, new Read(new ArrayList<>(), new ArrayList<>(), false), 0L).chain(read -> {
            Span span = span(accountId, windowId, read);
            KlaviyoCredentials traced = span.getSpanContext().isValid() ? cred.tracedIn(Context.root().with(span)) : cred;
            return plan(accountId, windowId, read)
                    .chain(chunk -> execute(new ChunkRun(traced, conn.listId(), conn.listName()), chunk.plan(), firstChunk)
                            .call(run -> commit(lease, read, chunk, run.result, started))
                            .invoke(() -> recordFreshness(read, chunk))
                            .invoke(run -> {
                                BatchResult r = run.result;
                                LogContext.account(accountId).window(windowId).run(() -> LOG.infof("Account %s, window %s: a chunk"
                                        + " of %d batch(es) applied (%d still have contacts to apply%s): added=%d moved=%d removed=%d"
                                        + " deleted=%d skipped=%d failed=%d writes=%d", accountId, windowId, read.rows().size(),
                                        chunk.remaining().size(), read.endsWindow() ? "; the window is done" : "", r.added, r.moved,
                                        r.removed, r.deleted, r.skipped, r.failed, r.writes));
                            }))
                    .onFailure().invoke(e -> span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName()))
                    .onTermination().invoke(() -> span.end())
                    .replaceWith(read.endsWindow());
        });
    }

    /**
     * Each contact the committed chunk finished (not deferred to a later one): how long since sync-worker recorded its
     * change ({@code gateway_contact_freshness_seconds}). A refused profile counts too: the system is done with it.
     */
    private void recordFreshness(Read read, ChunkPlanner.Chunk chunk) {
        Set<ContactState> later = Collections.newSetFromMap(new IdentityHashMap<>());
        chunk.remaining().values().forEach(later::addAll);
        Instant now = Instant.now();
        for (ChunkPlanner.Row row : read.rows()) {
            for (ContactState c : row.batch().contacts()) {
                if (c.pendingSince() != null && !later.contains(c)) {
                    metrics.contactFreshness(c.pendingSince(), now);
                }
            }
        }
    }

    /** The chunk's span: in the trace of its first batch that carried one, linked to the rest (a no-op when tracing is off). */
    private Span span(String accountId, String windowId, Read read) {
        if (!tracing.enabled()) {
            return Span.getInvalid();
        }
        List<String> traces = read.entities().stream().map(e -> e.trace).filter(t -> t != null).toList();
        return tracing.start("klaviyo-gateway apply", traces.isEmpty() ? null : traces.get(0), traces)
                .setAttribute("nks.account_id", accountId).setAttribute("nks.window_id", windowId)
                .setAttribute("nks.batches", read.entities().size());
    }

    private Uni<ChunkPlanner.Chunk> plan(String accountId, String windowId, Read read) {
        List<String> emails = read.rows().stream().flatMap(r -> r.batch().contacts().stream())
                .map(c -> ContactKey.normaliseEmail(c.email())).filter(e -> e != null && !e.isEmpty()).distinct().toList();
        return state.appliedInPart(accountId, windowId).chain(inParts -> state.ledger(accountId, emails)
                .map(ledger -> planner.plan(read.rows(), ledger, read.endsWindow(), inParts)));
    }

    /** A window whose waiting batches carry no contacts (end markers): their ids recorded, no Klaviyo call. */
    Uni<Void> recordMarkers(AccountLease lease, String windowId) {
        return readAll(lease.accountId(), windowId, new ArrayList<>(), 0L).chain(all -> all.isEmpty() ? Uni.createFrom().voidItem()
                : state.commit(new SyncStateRepository.Chunk(lease.accountId(), lease.holder(), all.get(0), all, Map.of(), null,
                        e -> "", Instant.now())).invoke(held -> {
                            if (!held) {
                                throw new AccountLease.LeaseLostException(lease.accountId());
                            }
                        }).replaceWithVoid());
    }

    /** The first waiting batch of a window (its kind and end), or null. */
    Uni<InboxBatchEntity> windowOf(String accountId, String windowId) {
        return inbox.page(accountId, windowId, 0L, 1).map(p -> p.isEmpty() ? null : p.get(0));
    }

    private Uni<Read> read(String accountId, String windowId, Read soFar, long after) {
        return inbox.page(accountId, windowId, after, PAGE).chain(page -> {
            for (int i = 0; i < page.size(); i++) {
                InboxBatchEntity e = page.get(i);
                soFar.entities().add(e);
                soFar.rows().add(new ChunkPlanner.Row(e.batchId, EventJson.read(e.payload, SyncBatch.class)));
                if (planner.full(soFar.rows())) {
                    long last = e.arrival;
                    if (i < page.size() - 1) {
                        return Uni.createFrom().item(new Read(soFar.entities(), soFar.rows(), false));
                    }
                    return inbox.anyAfter(accountId, windowId, last).map(more -> new Read(soFar.entities(), soFar.rows(), !more));
                }
            }
            if (page.size() < PAGE) {
                return Uni.createFrom().item(new Read(soFar.entities(), soFar.rows(), true));
            }
            return read(accountId, windowId, soFar, page.get(page.size() - 1).arrival);
        });
    }

    private Uni<List<InboxBatchEntity>> readAll(String accountId, String windowId, List<InboxBatchEntity> soFar, long after) {
        return inbox.page(accountId, windowId, after, PAGE).chain(page -> {
            soFar.addAll(page);
            return page.size() < PAGE ? Uni.createFrom().item(soFar) : readAll(accountId, windowId, soFar, page.get(page.size() - 1).arrival);
        });
    }

    /** The chunk's Klaviyo calls: the list checked (first chunk), then entering/staying and leaving contacts side by side. */
    private Uni<ChunkRun> execute(ChunkRun run, SyncPlan plan, boolean checkList) {
        plan.skipped().forEach(s -> run.result.skipped++);
        plan.invalid().forEach(e -> run.result.failed(e.email(), e.reason()));
        boolean work = plan.upsertCount() > 0 || !plan.leaving().isEmpty();
        // Entering/staying and leaving contacts are disjoint (one state per email), and Klaviyo paces each operation
        // separately, so both steps run side by side.
        Uni<Void> list = checkList || run.listId() == null ? lists.ensure(run) : Uni.createFrom().voidItem();
        Uni<Void> calls = work
                ? list.chain(() -> Uni.combine().all().unis(upserts.apply(run, plan), leaves.apply(run, plan)).discardItems())
                : Uni.createFrom().voidItem();
        return calls.replaceWith(run);
    }

    private Uni<Void> commit(AccountLease lease, Read read, ChunkPlanner.Chunk chunk, BatchResult result, Instant started) {
        List<InboxBatchEntity> done = new ArrayList<>();
        Map<String, SyncStateRepository.Rest> rewritten = new LinkedHashMap<>();
        for (int i = 0; i < read.rows().size(); i++) {
            InboxBatchEntity e = read.entities().get(i);
            List<ContactState> left = chunk.remaining().get(e.batchId);
            if (left == null) {
                done.add(e);
            } else {
                SyncBatch b = read.rows().get(i).batch();
                SyncBatch rest = new SyncBatch(b.schemaVersion(), b.batchId(), b.accountId(), b.windowId(), b.windowKind(), b.sequence(),
                        b.windowEnd(), b.createdAt(), List.copyOf(left), b.sourcePartition(), b.last(), b.windowPartitions());
                rewritten.put(e.batchId, new SyncStateRepository.Rest(EventJson.write(rest), left.size()));
            }
        }
        String firstBatch = read.entities().get(0).batchId;
        return state.commit(new SyncStateRepository.Chunk(lease.accountId(), lease.holder(), read.entities().get(0), done, rewritten,
                result, email -> chunk.batchOf().getOrDefault(email == null ? "" : email, firstBatch), started)).invoke(held -> {
                    if (!held) {
                        metrics.leaseLost();
                        throw new AccountLease.LeaseLostException(lease.accountId());
                    }
                    metrics.applied(result);
                    metrics.batches("APPLIED", done.size());
                }).replaceWithVoid();
    }
}
