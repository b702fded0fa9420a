package com.nosto.klaviyo.gateway.domain;

import java.time.Instant;
import java.util.List;

/** One window's outcome as served at GET /api/accounts/{a}/sync-runs (G13). */
public record SyncRunView(
        String windowId,
        String windowKind,
        Instant windowEnd,
        Instant startedAt,
        Instant finishedAt,
        int batches,
        int added,
        int moved,
        int removed,
        int deleted,
        int skipped,
        int failed,
        int klaviyoWrites,
        List<RowOutcome> errors) {

    public record RowOutcome(String batchId, String email, String outcome, String detail, Instant at) {
    }
}
