package com.nosto.klaviyo.gateway.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One window's outcome as served at GET /api/accounts/{a}/sync-runs (G13), or an audit's ({@code windowKind} AUDIT: a dry
 * run, REPAIR: an audit that repaired; {@code drift}: the counts per class found, {@code added}/{@code removed}: members
 * put back / removed by the repair).
 */
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
        Map<String, Integer> drift,
        List<RowOutcome> errors) {

    public record RowOutcome(String batchId, String email, String outcome, String detail, Instant at) {
    }
}
