package com.nosto.klaviyo.gateway.domain;

import com.nosto.klaviyo.events.ChangeType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The writes that make Klaviyo hold what the gateway applied again, and the corrections of the gateway's own records,
 * for one audit's {@link Drift} (pure; no I/O). Each kind of write goes in Klaviyo's largest calls, so the plan's write
 * calls are the minimum for the drift:
 * <ul>
 * <li>the list: created when it is gone and none carries its name (its members then all go back through the upserts),
 * renamed back when it was renamed (unless that would make a duplicate); duplicates are reported, never deleted;</li>
 * <li>MISSING and PROPERTIES members with known properties: bulk import jobs with the list attached, ≤ 10,000 each;</li>
 * <li>MISSING members applied before the ledger kept properties: list adds by profile id, ≤ 1,000 each;</li>
 * <li>FOREIGN members: list removals by profile id, ≤ 1,000 each; those carrying a Nosto property also have both
 * unset in bulk jobs, ≤ 10,000 each (G3);</li>
 * <li>PROFILE_GONE: no write; the ledger takes the id Klaviyo now has for the email, or (none) records the contact out
 * of the list, so a deleted profile is never re-created by an audit.</li>
 * </ul>
 */
public record RepairPlan(boolean createList, boolean renameList, List<List<SyncPlan.Upsert>> upsertJobs,
        List<List<String>> listAdds, List<List<ListedMember>> removals, List<List<ListedMember>> unsetJobs,
        List<LedgerFix> ledgerFixes) {

    /** What the gateway's ledger records for an email after the repair. */
    public record LedgerFix(String email, String profileId, boolean inList) {
    }

    /** Operation ids of the write calls, as the plan counts them. */
    public static final String CREATE_LIST = "create_list";
    public static final String UPDATE_LIST = "update_list";
    public static final String BULK_IMPORT = "bulk_import_profiles";
    public static final String ADD_TO_LIST = "add_profiles_to_list";
    public static final String REMOVE_FROM_LIST = "remove_profiles_from_list";

    public static RepairPlan of(Drift drift, PlanLimits limits) {
        List<SyncPlan.Upsert> upserts = new ArrayList<>();
        List<String> addIds = new ArrayList<>();
        for (Drift.Missing m : drift.missing()) {
            if (m.contact().propertiesKnown()) {
                upserts.add(upsert(m.contact(), m.profileId()));
            } else {
                addIds.add(m.profileId());
            }
        }
        drift.properties().forEach(c -> upserts.add(upsert(c, c.profileId())));
        List<ListedMember> carrying = drift.foreign().stream().filter(RepairPlan::unsets).toList();
        List<LedgerFix> fixes = drift.gone().stream()
                .map(g -> new LedgerFix(g.email(), g.currentId(), g.currentId() != null)).toList();
        return new RepairPlan(drift.list().create(), drift.list().renameBack(), new SyncPlanner(limits).bulkChunks(upserts),
                SyncPlanner.chunks(addIds, limits.listChunk()), SyncPlanner.chunks(drift.foreign(), limits.listChunk()),
                SyncPlanner.chunks(carrying, limits.bulkMaxProfiles()), fixes);
    }

    private static SyncPlan.Upsert upsert(ModelContact c, String profileId) {
        return new SyncPlan.Upsert(c.email(), c.nostoSegment(), c.nostoSegments(), 0, ChangeType.ADDED, profileId, true);
    }

    /** Write calls by operation (those with none left out). */
    public Map<String, Integer> writesByOperation() {
        Map<String, Integer> w = new LinkedHashMap<>();
        put(w, CREATE_LIST, createList ? 1 : 0);
        put(w, UPDATE_LIST, renameList ? 1 : 0);
        put(w, BULK_IMPORT, upsertJobs.size() + unsetJobs.size());
        put(w, ADD_TO_LIST, listAdds.size());
        put(w, REMOVE_FROM_LIST, removals.size());
        return w;
    }

    public int writes() {
        return writesByOperation().values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * The fewest write calls Klaviyo's limits allow for this drift, counted from the drift alone: one list creation or
     * rename, upserts in jobs of {@code bulk-max-profiles}, list adds and removals of {@code list-chunk}, unsets in jobs of
     * {@code bulk-max-profiles}.
     */
    public static int minimumWrites(Drift d, PlanLimits limits) {
        long known = d.missing().stream().filter(m -> m.contact().propertiesKnown()).count();
        int upserts = (int) known + d.properties().size();
        int adds = d.missing().size() - (int) known;
        int carrying = (int) d.foreign().stream().filter(RepairPlan::unsets).count();
        return (d.list().create() ? 1 : 0) + (d.list().renameBack() ? 1 : 0) + ceil(upserts, limits.bulkMaxProfiles())
                + ceil(adds, limits.listChunk()) + ceil(d.foreign().size(), limits.listChunk()) + ceil(carrying, limits.bulkMaxProfiles());
    }

    /** A foreign member carrying a Nosto property has both unset (by id, with its email as bulk import needs). */
    private static boolean unsets(ListedMember m) {
        return m.carriesNostoProperties() && m.email() != null;
    }

    private static int ceil(int n, int d) {
        return (n + d - 1) / d;
    }

    private static void put(Map<String, Integer> w, String op, int n) {
        if (n > 0) {
            w.put(op, n);
        }
    }
}
