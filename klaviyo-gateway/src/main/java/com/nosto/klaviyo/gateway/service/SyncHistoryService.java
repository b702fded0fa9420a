package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.domain.SyncRunView;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** An account's sync history (G13): one entry per window, newest first, and notices (batches expired, key unreadable). */
@ApplicationScoped
public class SyncHistoryService {

    private final SyncStateRepository state;

    public SyncHistoryService(SyncStateRepository state) {
        this.state = state;
    }

    public Uni<List<SyncRunView>> runs(String accountId, int limit) {
        return state.runs(accountId, limit);
    }
}
