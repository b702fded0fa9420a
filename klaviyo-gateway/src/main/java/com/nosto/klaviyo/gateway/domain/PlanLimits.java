package com.nosto.klaviyo.gateway.domain;

/** Sizes that shape a plan; defaults are Klaviyo's published caps (see KlaviyoConfig.Batching). */
public record PlanLimits(int bulkThreshold, int unsetBulkThreshold, int bulkMaxProfiles, int bulkMaxBytes,
        int listChunk, int lookupChunk) {

    public static PlanLimits klaviyoDefaults() {
        return new PlanLimits(100, 20, 10_000, 5_000_000, 1000, 100);
    }
}
