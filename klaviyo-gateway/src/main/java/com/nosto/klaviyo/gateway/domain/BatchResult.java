package com.nosto.klaviyo.gateway.domain;

import com.nosto.klaviyo.events.ChangeType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What applying one window's batches did: counts by change kind, per-row outcomes and the ledger rows to
 * write. Thread-safe: the upsert and leaving branches of one window (and several bulk jobs within each)
 * run concurrently and report here; the fields are read once all of them finished.
 */
public final class BatchResult {

    /**
     * A contact's ledger row after a chunk: the version applied, its profile id when known, whether it is a member, and
     * the two properties applied (null / empty for a contact out of the list).
     */
    public record LedgerWrite(String email, long version, String profileId, boolean inList, String nostoSegment,
            List<String> nostoSegments) {
    }

    public record Row(String email, String outcome, String detail) {
    }

    public int added;
    public int moved;
    public int removed;
    public int deleted;
    public int skipped;
    public int failed;
    public int writes;
    public final List<Row> rows = new ArrayList<>();
    public final Map<String, LedgerWrite> ledger = new LinkedHashMap<>();

    /** A contact left the list (both properties unset). */
    public synchronized void applied(String email, ChangeType change, long version, String profileId, boolean inList) {
        applied(email, change, version, profileId, inList, null, List.of());
    }

    /** A contact applied with these properties (a member) or none (out of the list). */
    public synchronized void applied(String email, ChangeType change, long version, String profileId, boolean inList,
            String nostoSegment, List<String> nostoSegments) {
        switch (change) {
            case ADDED -> added++;
            case MOVED -> moved++;
            case REMOVED -> removed++;
            case DELETED -> deleted++;
        }
        ledger.put(email, new LedgerWrite(email, version, profileId, inList, nostoSegment, nostoSegments));
    }

    /** Nothing to do in Klaviyo, but the version counts as applied (e.g. removal of an email Klaviyo never had). */
    public synchronized void skippedApplied(String email, long version, String detail) {
        skipped++;
        rows.add(new Row(email, "SKIPPED", detail));
        ledger.put(email, new LedgerWrite(email, version, null, false, null, List.of()));
    }

    public synchronized void skipped(String email, String detail) {
        skipped++;
        rows.add(new Row(email, "SKIPPED", detail));
    }

    public synchronized void failed(String email, String detail) {
        failed++;
        rows.add(new Row(email, "FAILED", detail));
        ledger.remove(email);
    }

    /** One write call sent to Klaviyo (counted into the window's klaviyoWrites). */
    public synchronized void wrote() {
        writes++;
    }

    public synchronized int applied() {
        return added + moved + removed + deleted;
    }
}
