package com.nosto.klaviyo.gateway.messaging;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import com.nosto.klaviyo.gateway.service.BatchApplier;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Groups the batches of one account's window as they arrive and hands each group to {@link BatchApplier}
 * once: sync-worker releases a window as many batches (its release batch size, split per source partition,
 * possibly from several instances), and planned one by one each would pay its own bulk jobs, list removals,
 * list check and polls. Groups are kept per account and window.
 *
 * <p><b>Marked batches</b> (they carry {@code sourcePartition}: current producers). Each source partition ends its
 * part of a window with an end marker ({@code last}, {@code windowPartitions}). A group is applied as soon as the
 * window's markers of {@code windowPartitions} distinct partitions were seen (a marker sent twice counts once)
 * and the group holds the marker of every partition it holds batches of; no quiet period is waited for. Several
 * windows of one account may be open at once (a regular and a first-enable window released interleaved); a batch
 * of another window does not close a marked group. What is known of a window's markers outlives its group
 * ({@link #windows}), so a group cut by {@code max-contacts} or {@code max-held-contacts} goes on as a new group
 * that completes when the remaining markers arrive, and a late or re-sent part of an applied window (same batch
 * ids after a producer crash) completes at its own marker. The markers applied are recorded with their batch ids,
 * and when a window first appears here (after a restart, a rebalance, or once it dropped out of {@link #windows})
 * they are read back once ({@link MarkerStore}), so the rest of a window applied in parts elsewhere or before the
 * restart still completes at its last marker. Fallbacks for a marker that never comes:
 * {@code incomplete-quiet-period} without a batch of the group, or {@code max-wait} after its first batch.
 *
 * <p><b>Unmarked batches</b> (older producers), as before: a group is applied when no batch of it arrived for
 * {@code quiet-period}, when a batch of another window of the same account arrives, at {@code max-contacts} or at
 * {@code max-wait}.
 *
 * <p>Groups of one account are handed to the applier under this object's lock, hence one after the other in the
 * order they were closed, and {@link BatchApplier} runs one account's work strictly in the order it was handed
 * over (its per-account tail is extended when {@code apply} is called). Two windows of one account applied in
 * either order cannot move a contact backwards: the planner skips every state whose version is not newer than
 * the ledger's, and the ledger's upsert only moves forward ({@code WHERE applied_version < EXCLUDED.applied_version},
 * {@code LedgerRepository.advance}).
 *
 * <p>Nothing is acknowledged before its group was applied, recognised as already applied, or parked
 * (G11): the records stay unacknowledged meanwhile, so the throttled commit strategy commits no offset
 * past them, and a crash or rebalance redelivers them (applied batch ids are skipped, G8). When
 * {@code max-held-contacts} are held (waiting or being applied), every open group is applied and the consumer
 * waits until groups finish, which bounds the heap.
 */
@ApplicationScoped
public class WindowGrouper {

    private static final Logger LOG = Logger.getLogger(WindowGrouper.class);
    /** Windows whose end markers are remembered (most recently used kept): a few hundred bytes each. */
    static final int REMEMBERED_WINDOWS = 10_000;
    static final String METRIC = "gateway.windows.applied";

    /** Why a group was handed to the applier: the {@code reason} tag of {@value #METRIC}. */
    enum Reason {
        /** Marked: the end markers of all the window's source partitions are in. */
        COMPLETE("complete"),
        /** Unmarked: no batch for quiet-period. */
        QUIET("quiet"),
        /** Marked, markers missing: no batch for incomplete-quiet-period. */
        INCOMPLETE_QUIET("incomplete-quiet"),
        /** Unmarked: a batch of the account's next window arrived. */
        NEXT_WINDOW("next-window"),
        MAX_WAIT("max-wait"),
        MAX_CONTACTS("max-contacts"),
        /** max-held-contacts reached: every open group is applied. */
        MAX_HELD("max-held-contacts");

        final String tag;

        Reason(String tag) {
            this.tag = tag;
        }
    }

    /** Applies one group (BatchApplier in production; the unit test's recorder). */
    @FunctionalInterface
    interface Applier {
        Uni<?> apply(List<BatchApplier.Received> batches);
    }

    /**
     * The end markers of a window applied before (source partition → the window's partition count each stated):
     * {@code SyncStateRepository#endMarkersApplied} in production.
     */
    @FunctionalInterface
    interface MarkerStore {
        Uni<Map<Integer, Integer>> applied(String accountId, String windowId);
    }

    /** One received batch and the record to acknowledge once its group is done. */
    record Held(SyncBatch batch, String payload, Message<?> message) {
    }

    /** The end markers seen of one window, across its groups. */
    static final class WindowMarkers {
        final Set<Integer> ended = new HashSet<>();
        /** Source partitions of the window (the largest {@code windowPartitions} seen); null before the first marker. */
        Integer partitions;

        boolean allEnded() {
            return partitions != null && ended.size() >= partitions;
        }

        void add(int partition, int windowPartitions) {
            ended.add(partition);
            partitions = partitions == null ? windowPartitions : Math.max(partitions, windowPartitions);
        }
    }

    private static final class Group {
        final String accountId;
        final String windowId;
        final long openedAt;
        final List<Held> batches = new ArrayList<>();
        /** Source partitions with a batch in this group, and those whose end marker is in this group. */
        final Set<Integer> partitions = new HashSet<>();
        final Set<Integer> ended = new HashSet<>();
        /** Set by the first marked batch: the window's markers decide when the group is complete. */
        WindowMarkers window;
        long lastAt;
        int contacts;

        Group(String accountId, String windowId, long now) {
            this.accountId = accountId;
            this.windowId = windowId;
            this.openedAt = now;
            this.lastAt = now;
        }

        boolean marked() {
            return window != null;
        }

        boolean complete() {
            return window != null && window.allEnded() && ended.containsAll(partitions);
        }
    }

    private final Applier applier;
    private final MarkerStore markerStore;
    private final GatewayConfig.Window config;
    private final Vertx vertx;
    private final MeterRegistry metrics;
    private final LongSupplier clock;
    /** Open groups: account → window → group, each in the order opened. */
    private final Map<String, Map<String, Group>> open = new LinkedHashMap<>();
    /** End markers per account and window, least recently used dropped first. */
    private final Map<String, WindowMarkers> windows = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, WindowMarkers> eldest) {
            return size() > REMEMBERED_WINDOWS;
        }
    };
    private final List<CompletableFuture<Void>> applying = new ArrayList<>();
    private long held;
    private long timerId = -1;

    @Inject
    public WindowGrouper(BatchApplier applier, SyncStateRepository state, GatewayConfig gatewayConfig, Vertx vertx,
            MeterRegistry metrics) {
        this(applier::apply, state::endMarkersApplied, gatewayConfig.window(), vertx, metrics, System::currentTimeMillis);
    }

    /** For tests: any applier, marker store and clock; {@link #applyDue()} is then called by the test (vertx may be null). */
    WindowGrouper(Applier applier, MarkerStore markerStore, GatewayConfig.Window config, Vertx vertx, MeterRegistry metrics,
            LongSupplier clock) {
        this.applier = applier;
        this.markerStore = markerStore;
        this.config = config;
        this.vertx = vertx;
        this.metrics = metrics;
        this.clock = clock;
    }

    void start(@Observes StartupEvent ev) {
        long tick = Math.max(50, Math.min(1000, config.quietPeriod().toMillis() / 4));
        timerId = vertx.setPeriodic(tick, id -> applyDue());
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        // Groups still open are not acknowledged: their records are redelivered after the restart.
    }

    /**
     * Takes a valid batch (an end marker without contacts too). The returned Uni completes at once, unless the
     * held contacts reached max-held-contacts: then it completes when groups being applied have finished
     * (back-pressure).
     */
    public Uni<Void> add(SyncBatch batch, String payload, Message<?> message) {
        int size = batch.contacts() == null ? 0 : batch.contacts().size();
        List<CompletableFuture<Void>> waitFor = List.of();
        WindowMarkers firstSeen = null;
        synchronized (this) {
            long now = clock.getAsLong();
            String accountId = batch.accountId();
            // Unmarked groups of the account's other windows: the next window began, so (as far as an older
            // producer's batches tell) they are complete. Marked groups wait for their markers instead.
            for (Group other : List.copyOf(open.getOrDefault(accountId, Map.of()).values())) {
                if (!other.marked() && !other.windowId.equals(batch.windowId())) {
                    close(other, Reason.NEXT_WINDOW);
                }
            }
            Map<String, Group> ofAccount = open.computeIfAbsent(accountId, a -> new LinkedHashMap<>());
            Group group = ofAccount.computeIfAbsent(batch.windowId(), w -> new Group(accountId, w, now));
            group.batches.add(new Held(batch, payload, message));
            group.contacts += size;
            group.lastAt = now;
            held += size;
            Integer partition = batch.sourcePartition();
            if (partition != null) {
                if (group.window == null) {
                    String key = key(accountId, batch.windowId());
                    group.window = windows.get(key);
                    if (group.window == null) {
                        group.window = firstSeen = new WindowMarkers();
                        windows.put(key, firstSeen);
                    }
                } else {
                    windows.get(key(accountId, batch.windowId())); // keeps it recently used
                }
                group.partitions.add(partition);
                if (batch.endsPartition()) {
                    group.ended.add(partition);
                    group.window.add(partition, batch.windowPartitions());
                }
            }
            if (group.complete()) {
                close(group, Reason.COMPLETE);
            } else if (group.contacts >= config.maxContacts()) {
                // A marked window goes on in a new group, which shares the window's markers seen so far.
                close(group, Reason.MAX_CONTACTS);
            }
            if (held >= Math.max(config.maxHeldContacts(), config.maxContacts())) {
                for (Map<String, Group> groups : List.copyOf(open.values())) {
                    for (Group g : List.copyOf(groups.values())) {
                        close(g, Reason.MAX_HELD);
                    }
                }
                waitFor = List.copyOf(applying);
            }
        }
        if (firstSeen != null) {
            readAppliedMarkers(batch.accountId(), batch.windowId(), firstSeen);
        }
        if (waitFor.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        LOG.debugf("%d contacts held; waiting for %d group(s) being applied", held, waitFor.size());
        return Uni.createFrom().completionStage(CompletableFuture.allOf(waitFor.toArray(CompletableFuture[]::new)));
    }

    /**
     * Reads the markers of a window new to this instance that were applied before, once, without holding up the
     * consumer, and adds them to what is known of it; an open group of the window that they complete is applied at
     * once. If the read fails, the window goes on with the markers that arrive (and the fallbacks).
     */
    private void readAppliedMarkers(String accountId, String windowId, WindowMarkers window) {
        Uni<Map<Integer, Integer>> read;
        try {
            read = markerStore.applied(accountId, windowId);
        } catch (RuntimeException e) {
            read = Uni.createFrom().failure(e);
        }
        read.subscribe().with(markers -> {
            if (markers.isEmpty()) {
                return;
            }
            synchronized (this) {
                markers.forEach(window::add);
                LOG.debugf("Window %s of account %s: end markers of source partitions %s were applied before", windowId,
                        accountId, markers.keySet());
                Group g = open.getOrDefault(accountId, Map.of()).get(windowId);
                if (g != null && g.window == window && g.complete()) {
                    close(g, Reason.COMPLETE);
                }
            }
        }, e -> LOG.warnf("Could not read the applied end markers of window %s of account %s (%s); its group completes on"
                + " the markers it receives", windowId, accountId, e.toString()));
    }

    /** Starts the groups that are complete or whose quiet period or maximum wait has passed (periodic). */
    void applyDue() {
        synchronized (this) {
            long now = clock.getAsLong();
            for (Map<String, Group> groups : List.copyOf(open.values())) {
                for (Group g : List.copyOf(groups.values())) {
                    if (g.complete()) {
                        close(g, Reason.COMPLETE);
                    } else if (now - g.openedAt >= config.maxWait().toMillis()) {
                        close(g, Reason.MAX_WAIT);
                    } else if (!g.marked() && now - g.lastAt >= config.quietPeriod().toMillis()) {
                        close(g, Reason.QUIET);
                    } else if (g.marked() && now - g.lastAt >= config.incompleteQuietPeriod().toMillis()) {
                        close(g, Reason.INCOMPLETE_QUIET);
                    }
                }
            }
        }
    }

    /** Contacts held in open groups and groups being applied (for tests and logs). */
    synchronized long held() {
        return held;
    }

    /** Open groups (for tests). */
    synchronized int openGroups() {
        return open.values().stream().mapToInt(Map::size).sum();
    }

    private static String key(String accountId, String windowId) {
        return accountId + '\n' + windowId;
    }

    /** Removes the group from the open ones and hands it to the applier. Under the lock. */
    private void close(Group g, Reason reason) {
        Map<String, Group> ofAccount = open.get(g.accountId);
        if (ofAccount != null) {
            ofAccount.remove(g.windowId);
            if (ofAccount.isEmpty()) {
                open.remove(g.accountId);
            }
        }
        metrics.counter(METRIC, "reason", reason.tag).increment();
        if (g.marked() && !g.complete()) {
            WindowMarkers w = g.window;
            LOG.infof("Window %s of account %s applied before it was complete (%s): %d batches, %d contacts; end markers of"
                    + " %d of %s source partitions seen", g.windowId, g.accountId, reason.tag, g.batches.size(), g.contacts,
                    w.ended.size(), w.partitions == null ? "?" : w.partitions);
        } else {
            LOG.debugf("Window %s of account %s: %d batches, %d contacts applied (%s)", g.windowId, g.accountId,
                    g.batches.size(), g.contacts, reason.tag);
        }
        applyGroup(g);
    }

    /**
     * Hands a group to the applier. Called under the lock, so groups of one account reach the applier (which
     * serialises per account) in the order they were closed. Every record is acked when the group is done, or
     * nacked when it could be neither applied nor parked (the channel's dead-letter strategy then keeps the record).
     */
    private void applyGroup(Group g) {
        List<BatchApplier.Received> received = g.batches.stream().map(h -> new BatchApplier.Received(h.batch(), h.payload())).toList();
        CompletableFuture<Void> done = new CompletableFuture<>();
        applying.add(done);
        Uni<?> applied;
        try {
            applied = applier.apply(received);
        } catch (RuntimeException e) {
            applied = Uni.createFrom().failure(e);
        }
        applied.chain(outcome -> acknowledge(g, null))
                .onFailure().recoverWithUni(e -> {
                    LOG.errorf(e, "Window %s of account %s (%d batches) could not be applied or parked", g.windowId, g.accountId,
                            g.batches.size());
                    return acknowledge(g, e);
                })
                .subscribe().with(x -> finished(g, done), e -> {
                    LOG.errorf(e, "Acknowledging window %s of account %s failed", g.windowId, g.accountId);
                    finished(g, done);
                });
    }

    private Uni<Void> acknowledge(Group g, Throwable failure) {
        List<Uni<Void>> acks = new ArrayList<>();
        for (Held h : g.batches) {
            acks.add(Uni.createFrom().completionStage(failure == null ? h.message().ack() : h.message().nack(failure)));
        }
        return Uni.join().all(acks).andCollectFailures().replaceWithVoid();
    }

    private void finished(Group g, CompletableFuture<Void> done) {
        synchronized (this) {
            held -= g.contacts;
            applying.remove(done);
        }
        done.complete(null);
    }
}
