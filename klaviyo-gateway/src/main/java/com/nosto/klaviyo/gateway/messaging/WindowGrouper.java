package com.nosto.klaviyo.gateway.messaging;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.service.BatchApplier;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Groups the batches of one account's window as they arrive and hands each group to {@link BatchApplier}
 * once: sync-worker releases a window as many batches (its release batch size, split per partition), and
 * planned one by one each would pay its own bulk jobs, list removals, list check and polls. A group is
 * applied when no batch of it arrived for {@code gateway.window.quiet-period}, when a batch of another
 * window of the same account arrives (windows stay in order), when it reaches {@code max-contacts}, or
 * {@code max-wait} after its first batch.
 *
 * <p>Nothing is acknowledged before its group was applied, recognised as already applied, or parked
 * (G11): the records stay unacknowledged meanwhile, so the throttled commit strategy commits no offset
 * past them, and a crash or rebalance redelivers them (applied batch ids are skipped, G8). When
 * {@code max-held-contacts} are held (waiting or being applied), the consumer waits until groups finish,
 * which bounds the heap.
 */
@ApplicationScoped
public class WindowGrouper {

    private static final Logger LOG = Logger.getLogger(WindowGrouper.class);

    /** One received batch and the record to acknowledge once its group is done. */
    record Held(SyncBatch batch, String payload, Message<?> message) {
    }

    private static final class Group {
        final String accountId;
        final String windowId;
        final long openedAt;
        final List<Held> batches = new ArrayList<>();
        long lastAt;
        int contacts;

        Group(String accountId, String windowId, long now) {
            this.accountId = accountId;
            this.windowId = windowId;
            this.openedAt = now;
            this.lastAt = now;
        }
    }

    private final BatchApplier applier;
    private final GatewayConfig.Window config;
    private final Vertx vertx;
    private final LongSupplier clock = System::currentTimeMillis;
    /** Open group per account (at most one window per account is collected at a time). */
    private final Map<String, Group> open = new LinkedHashMap<>();
    private final List<CompletableFuture<Void>> applying = new ArrayList<>();
    private long held;
    private long timerId = -1;

    public WindowGrouper(BatchApplier applier, GatewayConfig gatewayConfig, Vertx vertx) {
        this.applier = applier;
        this.config = gatewayConfig.window();
        this.vertx = vertx;
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
     * Takes a valid batch. The returned Uni completes at once, unless the held contacts reached
     * max-held-contacts: then it completes when groups being applied have finished (back-pressure).
     */
    public Uni<Void> add(SyncBatch batch, String payload, Message<?> message) {
        int size = batch.contacts().size();
        List<CompletableFuture<Void>> waitFor = List.of();
        synchronized (this) {
            long now = clock.getAsLong();
            Group group = open.get(batch.accountId());
            if (group != null && !group.windowId.equals(batch.windowId())) {
                // The account's next window began: the previous one is complete as far as this consumer knows.
                applyGroup(open.remove(batch.accountId()));
                group = null;
            }
            if (group == null) {
                group = new Group(batch.accountId(), batch.windowId(), now);
                open.put(batch.accountId(), group);
            }
            group.batches.add(new Held(batch, payload, message));
            group.contacts += size;
            group.lastAt = now;
            held += size;
            if (group.contacts >= config.maxContacts()) {
                applyGroup(open.remove(batch.accountId()));
            }
            if (held >= Math.max(config.maxHeldContacts(), config.maxContacts())) {
                new ArrayList<>(open.values()).forEach(this::applyGroup);
                open.clear();
                waitFor = List.copyOf(applying);
            }
        }
        if (waitFor.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        LOG.debugf("%d contacts held; waiting for %d group(s) being applied", held, waitFor.size());
        return Uni.createFrom().completionStage(CompletableFuture.allOf(waitFor.toArray(CompletableFuture[]::new)));
    }

    /** Starts the groups whose quiet period or maximum wait has passed (periodic). */
    void applyDue() {
        synchronized (this) {
            long now = clock.getAsLong();
            var it = open.values().iterator();
            while (it.hasNext()) {
                Group g = it.next();
                if (now - g.lastAt >= config.quietPeriod().toMillis() || now - g.openedAt >= config.maxWait().toMillis()) {
                    it.remove();
                    applyGroup(g);
                }
            }
        }
    }

    /** Contacts held in open groups and groups being applied (for tests and logs). */
    synchronized long held() {
        return held;
    }

    /**
     * Hands a group to the applier. Called under the lock, so groups of one account reach the applier (which
     * serialises per account) in arrival order. Every record is acked when the group is done, or nacked when
     * it could be neither applied nor parked (the channel's dead-letter strategy then keeps the record).
     */
    private void applyGroup(Group g) {
        List<BatchApplier.Received> received = g.batches.stream().map(h -> new BatchApplier.Received(h.batch(), h.payload())).toList();
        CompletableFuture<Void> done = new CompletableFuture<>();
        applying.add(done);
        applier.apply(received)
                .chain(outcome -> acknowledge(g, null))
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
