package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * The inbox's door: valid batches stored in one transaction (a batch already waiting or applied is skipped) and their
 * accounts marked due; then this replica looks for work at once.
 */
@ApplicationScoped
public class InboxService {

    private final SyncStateRepository state;
    private final ApplyScheduler scheduler;
    private final GatewayMetrics metrics;

    public InboxService(SyncStateRepository state, ApplyScheduler scheduler, GatewayMetrics metrics) {
        this.state = state;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /** Stores batches with their payloads as received (one transaction); returns how many were new. */
    public Uni<Integer> store(List<SyncBatch> batches, List<String> payloads) {
        return store(batches, payloads, null);
    }

    /** As above, with each batch's trace context as it arrived (null, or a traceparent or null per batch). */
    public Uni<Integer> store(List<SyncBatch> batches, List<String> payloads, List<String> traces) {
        return state.store(batches, payloads, traces).invoke(stored -> metrics.batches("DUPLICATE", batches.size() - stored));
    }

    /** After the poll was acknowledged: look for ready work now rather than at the next round. */
    public void stored() {
        scheduler.trigger();
    }
}
