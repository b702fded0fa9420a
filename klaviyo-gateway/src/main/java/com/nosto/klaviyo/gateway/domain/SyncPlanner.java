package com.nosto.klaviyo.gateway.domain;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.ContactState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a batch of desired contact states plus the ledger into the fewest Klaviyo calls (pure; no I/O).
 * Rules: stale or already-applied versions are skipped unless restated (G8); entering and moved contacts are upserted
 * with the list attached, and MOVED never leaves the list (G7); leaving contacts are removed by id and
 * unset, never created (bulk import would create unknown emails).
 */
public final class SyncPlanner {

    /** JSON envelope bytes of one bulk profile beyond its email and segment names (measured, rounded up). */
    static final int PROFILE_OVERHEAD_BYTES = 160;
    static final int JOB_OVERHEAD_BYTES = 512;

    private final PlanLimits limits;

    public SyncPlanner(PlanLimits limits) {
        this.limits = limits;
    }

    public SyncPlan plan(Collection<ContactState> contacts, Map<String, LedgerEntry> ledger) {
        Decisions d = decide(contacts, ledger);
        return shape(d.upserts(), d.leaving(), d.skipped(), d.invalid(), false);
    }

    /** What each contact needs, before the calls are shaped: the upserts and leaves in the order of the input. */
    public record Decisions(List<SyncPlan.Upsert> upserts, List<SyncPlan.Leave> leaving, List<SyncPlan.Skip> skipped,
            List<SyncPlan.RowError> invalid) {
    }

    /**
     * Normalises emails, keeps the highest version per email, and skips every state the ledger has applied (G8): an
     * older version always, the same version unless it is a restatement ({@link ContactState#restate()}), which an
     * operator's resync sends to have the contact written in full (properties and list membership) whatever the
     * ledger says, because Klaviyo may have lost it (a list deleted and re-created, a hand edit).
     */
    public Decisions decide(Collection<ContactState> contacts, Map<String, LedgerEntry> ledger) {
        List<SyncPlan.RowError> invalid = new ArrayList<>();
        List<SyncPlan.Skip> skipped = new ArrayList<>();
        Map<String, ContactState> latest = new LinkedHashMap<>();
        for (ContactState c : contacts) {
            String email = ContactKey.normaliseEmail(c.email());
            if (email == null || email.isEmpty() || email.indexOf('@') < 1) {
                invalid.add(new SyncPlan.RowError(c.email(), "not an email address"));
                continue;
            }
            ContactState previous = latest.get(email);
            if (previous == null || previous.version() < c.version()) {
                if (previous != null) {
                    skipped.add(new SyncPlan.Skip(email, previous.version(), "superseded in the same batch"));
                }
                latest.put(email, c);
            } else {
                skipped.add(new SyncPlan.Skip(email, c.version(), "superseded in the same batch"));
            }
        }
        List<SyncPlan.Upsert> upserts = new ArrayList<>();
        List<SyncPlan.Leave> leaving = new ArrayList<>();
        latest.forEach((email, c) -> {
            LedgerEntry applied = ledger.get(email);
            if (applied != null && (applied.appliedVersion() > c.version() || applied.appliedVersion() == c.version() && !c.restate())) {
                skipped.add(new SyncPlan.Skip(email, c.version(), "stale: version " + applied.appliedVersion() + " already applied"));
                return;
            }
            String knownId = applied == null ? null : applied.profileId();
            if (c.inList()) {
                ChangeType change = c.change() == null ? ChangeType.ADDED : c.change();
                // MOVED is relative to what sync-worker released before, which this gateway may not have applied (yet):
                // two windows of an account applied out of order (the older one waiting for a marker), the older
                // one's ADDED then being stale. So a move adds to the list unless the ledger shows a member; adding a
                // member again changes nothing in Klaviyo, and a move never removes (G7). A restatement always adds.
                boolean listAdd = c.restate() || change != ChangeType.MOVED || applied == null || !applied.inList();
                upserts.add(new SyncPlan.Upsert(email, c.nostoSegment(),
                        c.nostoSegments() == null ? List.of() : List.copyOf(c.nostoSegments()), c.version(), change, knownId,
                        listAdd));
            } else {
                ChangeType change = c.change() == ChangeType.DELETED ? ChangeType.DELETED : ChangeType.REMOVED;
                leaving.add(new SyncPlan.Leave(email, c.version(), change, knownId));
            }
        });
        return new Decisions(upserts, leaving, skipped, invalid);
    }

    /**
     * Shapes decided work into calls: bulk jobs for {@code bulk-threshold} or more upserts, else one profile-import
     * each. {@code inParts}: the work is one part of a larger window, which would have gone in bulk as a whole, so
     * it goes in bulk however small (a part costs no more calls than its share of the whole window's plan).
     */
    public SyncPlan shape(List<SyncPlan.Upsert> upserts, List<SyncPlan.Leave> leaving, List<SyncPlan.Skip> skipped,
            List<SyncPlan.RowError> invalid, boolean inParts) {
        SyncPlan.UpsertMode mode = upserts.isEmpty() ? SyncPlan.UpsertMode.NONE
                : upserts.size() >= limits.bulkThreshold() || inParts ? SyncPlan.UpsertMode.BULK : SyncPlan.UpsertMode.SMALL;
        List<List<SyncPlan.Upsert>> bulk = mode == SyncPlan.UpsertMode.BULK ? bulkChunks(upserts) : List.of();
        List<SyncPlan.Upsert> small = mode == SyncPlan.UpsertMode.SMALL ? upserts : List.of();
        return new SyncPlan(mode, bulk, small, leaving, skipped, invalid, inParts);
    }

    /** Splits upserts into bulk jobs within both the profile count and the payload size cap. */
    List<List<SyncPlan.Upsert>> bulkChunks(List<SyncPlan.Upsert> upserts) {
        List<List<SyncPlan.Upsert>> chunks = new ArrayList<>();
        List<SyncPlan.Upsert> current = new ArrayList<>();
        long bytes = JOB_OVERHEAD_BYTES;
        for (SyncPlan.Upsert u : upserts) {
            int size = estimateBytes(u);
            if (!current.isEmpty() && (current.size() >= limits.bulkMaxProfiles() || bytes + size > limits.bulkMaxBytes())) {
                chunks.add(current);
                current = new ArrayList<>();
                bytes = JOB_OVERHEAD_BYTES;
            }
            current.add(u);
            bytes += size;
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        return chunks;
    }

    /** Upper estimate of one profile's JSON size in a bulk job (names may need escaping, hence ×2). */
    static int estimateBytes(SyncPlan.Upsert u) {
        int size = PROFILE_OVERHEAD_BYTES + utf8(u.email()) + 2 * utf8(u.nostoSegment());
        for (String s : u.nostoSegments()) {
            size += 2 * utf8(s) + 3;
        }
        return size;
    }

    private static int utf8(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Splits a list into consecutive chunks of at most {@code size}. */
    public static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            out.add(List.copyOf(items.subList(i, Math.min(items.size(), i + size))));
        }
        return out;
    }

    /**
     * Splits emails for {@code any(email,[…])} lookups: at most {@code maxPerChunk} each, and short enough
     * that the URL-encoded filter stays under {@code maxEncodedChars} (servers cap the request line; 4 KB is common).
     */
    public static List<List<String>> lookupChunks(List<String> emails, int maxPerChunk, int maxEncodedChars) {
        List<List<String>> out = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int chars = 0;
        for (String email : emails) {
            // "email" quoted, URL-encoded, plus an encoded comma.
            int size = java.net.URLEncoder.encode("\"" + email + "\"", StandardCharsets.UTF_8).length() + 3;
            if (!current.isEmpty() && (current.size() >= maxPerChunk || chars + size > maxEncodedChars)) {
                out.add(current);
                current = new ArrayList<>();
                chars = 0;
            }
            current.add(email);
            chars += size;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    /**
     * The fewest write calls Klaviyo's limits allow for {@code entering} upserts and {@code leaving}
     * removals of known profiles: bulk jobs of 10,000, list removals of 1,000, unset jobs of 10,000.
     */
    public static int minimumWrites(int entering, int leaving, PlanLimits limits) {
        return ceil(entering, limits.bulkMaxProfiles()) + ceil(leaving, limits.listChunk())
                + ceil(leaving, limits.bulkMaxProfiles());
    }

    private static int ceil(int n, int d) {
        return (n + d - 1) / d;
    }
}
