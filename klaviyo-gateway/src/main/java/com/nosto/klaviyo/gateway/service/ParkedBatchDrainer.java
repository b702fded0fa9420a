package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Re-applies parked batches: right after an account connects, and periodically for connected accounts
 * (batches parked while Klaviyo was unavailable). Parked batches are applied oldest first, so a later
 * state is not overtaken; the ledger would skip a stale one anyway.
 */
@ApplicationScoped
public class ParkedBatchDrainer {

    private static final Logger LOG = Logger.getLogger(ParkedBatchDrainer.class);
    /** Parked for a permanent reason this many times: stop retrying on the timer, keep it visible. */
    private static final int MAX_TIMER_ATTEMPTS = 10;

    private final SyncStateRepository state;
    private final BatchApplier applier;
    private final GatewayConfig config;
    private final Vertx vertx;
    private long timerId = -1;

    public ParkedBatchDrainer(SyncStateRepository state, BatchApplier applier, GatewayConfig config, Vertx vertx) {
        this.state = state;
        this.applier = applier;
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent ev) {
        long every = Math.max(1000, config.parked().retryInterval().toMillis());
        timerId = vertx.setPeriodic(every, id -> state.accountsWithParkedBatches()
                .onItem().transformToMulti(accounts -> Multi.createFrom().iterable(accounts))
                .onItem().transformToUniAndConcatenate(a -> drain(a, true))
                .collect().asList()
                .subscribe().with(x -> { }, e -> LOG.warn("Parked batch retry failed", e)));
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Fire and forget (after a connect): the HTTP answer does not wait for Klaviyo work. */
    public void drainSoon(String accountId) {
        drain(accountId, false).subscribe().with(n -> LOG.infof("Account %s: %d parked batch(es) re-applied", accountId, n),
                e -> LOG.warnf(e, "Account %s: re-applying parked batches failed", accountId));
    }

    /**
     * Re-applies an account's parked batches oldest first, consecutive batches of one window together (as the
     * consumer would have): a window parked as 290 batches costs one window's calls when it is applied.
     */
    public Uni<Integer> drain(String accountId, boolean fromTimer) {
        return state.parked(accountId).chain(parked -> {
            List<List<BatchApplier.Received>> groups = new ArrayList<>();
            for (SyncStateRepository.Parked p : parked) {
                if (fromTimer && p.attempts() >= MAX_TIMER_ATTEMPTS && !p.reason().startsWith("klaviyo-unavailable")) {
                    continue;
                }
                SyncBatch batch;
                try {
                    batch = EventJson.mapper().readValue(p.payload(), SyncBatch.class);
                } catch (Exception e) {
                    continue;
                }
                List<BatchApplier.Received> last = groups.isEmpty() ? null : groups.get(groups.size() - 1);
                if (last == null || !last.get(0).batch().windowId().equals(batch.windowId())) {
                    last = new ArrayList<>();
                    groups.add(last);
                }
                last.add(new BatchApplier.Received(batch, p.payload()));
            }
            return Multi.createFrom().iterable(groups)
                    .onItem().transformToUniAndConcatenate(g -> applier.apply(g)
                            .map(o -> o == BatchApplier.Outcome.PARKED ? 0 : g.size()))
                    .collect().asList().map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
        });
    }
}
