package com.nosto.klaviyo.gateway.domain;

import com.nosto.klaviyo.events.ChangeType;
import java.util.List;

/**
 * The calls one batch needs, before any id is resolved. Entering/staying contacts are upserted either
 * through bulk jobs (each chunk within 10,000 profiles and 5 MB, list attached) or one profile-import each
 * followed by list adds; leaving contacts are removed by id and have both properties unset.
 *
 * @param inParts one part of a window applied in parts: its leaving contacts are unset in bulk however few (as the
 *                whole window's would have been)
 */
public record SyncPlan(
        UpsertMode upsertMode,
        List<List<Upsert>> bulkChunks,
        List<Upsert> smallUpserts,
        List<Leave> leaving,
        List<Skip> skipped,
        List<RowError> invalid,
        boolean inParts) {

    public enum UpsertMode { NONE, SMALL, BULK }

    /**
     * One contact that should be in the list with these property values.
     *
     * @param listAdd whether the contact must be added to the list too: false only for a MOVED contact this gateway
     *                has applied as a member (only its properties change, G7)
     */
    public record Upsert(String email, String nostoSegment, List<String> nostoSegments, long version, ChangeType change,
            String knownProfileId, boolean listAdd) {

        public Upsert(String email, String nostoSegment, List<String> nostoSegments, long version, ChangeType change,
                String knownProfileId) {
            this(email, nostoSegment, nostoSegments, version, change, knownProfileId, change != ChangeType.MOVED);
        }

        public boolean needsListAdd() {
            return listAdd;
        }
    }

    /** One contact that should leave the list with both properties unset. */
    public record Leave(String email, long version, ChangeType change, String knownProfileId) {
    }

    public record Skip(String email, long version, String reason) {
    }

    public record RowError(String email, String reason) {
    }

    public int upsertCount() {
        return smallUpserts.size() + bulkChunks.stream().mapToInt(List::size).sum();
    }
}
