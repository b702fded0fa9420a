package com.nosto.klaviyo.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The limits the figures are divided by, computed from Klaviyo's published caps and rate limits (pure; unit-tested).
 */
public final class Limits {

    /**
     * Klaviyo's caps per call as the gateway is configured in this run (divided by the run's divisor): profiles per
     * bulk job, profile ids per list call, emails per {@code get_profiles} lookup ({@code any(email, [...])}, one page).
     */
    public record Caps(int bulkMaxProfiles, int listChunk, int lookupChunk) {
    }

    /** Burst per second and steady per minute of one operation (already scaled). */
    public record Rate(int perSecond, int perMinute) {
    }

    private Limits() {
    }

    /**
     * The fewest calls per operation that can apply a window: entering and moving contacts upserted by bulk import
     * jobs (list attached, {@code bulkMaxProfiles} each); leaving and deleted contacts removed from the list by id,
     * {@code listChunk} per call, and their two properties unset by bulk jobs. Each bulk job is polled at least once
     * for completion. A list removal takes Klaviyo profile ids; of the leaving and deleted contacts,
     * {@code unknownIds} have ids no client could know without asking (their profiles were created by bulk import
     * jobs, which return no ids), so they are looked up, {@code lookupChunk} emails per {@code get_profiles} call;
     * the ids of the others are known (no lookups for ids already known).
     */
    public static Map<String, Long> minimumCalls(long entering, long moving, long leaving, long deleted, long unknownIds,
            Caps caps) {
        if (unknownIds < 0 || unknownIds > leaving + deleted) {
            throw new IllegalArgumentException("unknownIds must be between 0 and leaving + deleted");
        }
        long upserts = entering + moving;
        long out = leaving + deleted;
        long jobs = ceil(upserts, caps.bulkMaxProfiles()) + ceil(out, caps.bulkMaxProfiles());
        Map<String, Long> calls = new LinkedHashMap<>();
        calls.put("bulk_import_profiles", jobs);
        calls.put("remove_profiles_from_list", ceil(out, caps.listChunk()));
        calls.put("get_bulk_import_profiles_job", jobs);
        if (unknownIds > 0) {
            calls.put("get_profiles", ceil(unknownIds, caps.lookupChunk()));
        }
        return calls;
    }

    /** Minimum write calls (every call but GETs: lookups and job polls do not count, so known ids do not matter). */
    public static long minimumWrites(long entering, long moving, long leaving, long deleted, Caps caps) {
        Map<String, Long> calls = minimumCalls(entering, moving, leaving, deleted, 0, caps);
        return calls.get("bulk_import_profiles") + calls.get("remove_profiles_from_list");
    }

    /**
     * Earliest time at which the {@code count}-th call of one operation can be sent under fixed windows of one
     * second (burst) and one minute (steady) starting with the first call: call k (0-based) cannot go before second
     * {@code floor(k / perSecond)} nor before minute {@code floor(k / perMinute)}.
     */
    public static Duration timeForCalls(long count, Rate rate) {
        if (count <= 1) {
            return Duration.ZERO;
        }
        long k = count - 1;
        long seconds = Math.max(k / rate.perSecond(), 60L * (k / rate.perMinute()));
        return Duration.ofSeconds(seconds);
    }

    /**
     * The least time {@code count} calls of one operation can take when the fixed windows are aligned to the clock
     * (as Klaviyo's and the emulator's are) rather than to the first call: the first call may come at the very end
     * of a window, so a first, almost empty window is free. With {@code w} windows' worth of calls the last one goes
     * at the start of window {@code w - 1}, i.e. {@code w - 2} whole windows after the first call.
     */
    public static Duration timeForCallsBestAlignment(long count, Rate rate) {
        if (count <= 1) {
            return Duration.ZERO;
        }
        long seconds = Math.max(Math.max(0, ceil(count, rate.perSecond()) - 2), 60L * Math.max(0, ceil(count, rate.perMinute()) - 2));
        return Duration.ofSeconds(seconds);
    }

    /**
     * Time the limits impose on a set of calls: operations have separate quotas and run side by side, so the
     * slowest operation decides; plus one bulk job's processing time when any job is sent.
     */
    public static Duration imposedTime(Map<String, Long> callsByOperation, Map<String, Rate> rates, Duration bulkJobDelay) {
        return imposedTime(callsByOperation, rates, bulkJobDelay, false);
    }

    /** {@link #imposedTime(Map, Map, Duration)}, with the windows aligned at the first call or at best (see above). */
    public static Duration imposedTime(Map<String, Long> callsByOperation, Map<String, Rate> rates, Duration bulkJobDelay,
            boolean bestAlignment) {
        Duration max = Duration.ZERO;
        for (Map.Entry<String, Long> e : callsByOperation.entrySet()) {
            Rate rate = rates.get(e.getKey());
            if (rate == null) {
                continue;
            }
            Duration t = bestAlignment ? timeForCallsBestAlignment(e.getValue(), rate) : timeForCalls(e.getValue(), rate);
            if (t.compareTo(max) > 0) {
                max = t;
            }
        }
        boolean anyJob = callsByOperation.getOrDefault("bulk_import_profiles", 0L) > 0;
        return anyJob ? max.plus(bulkJobDelay) : max;
    }

    /** Members per page of {@code get_profiles_for_list}, Klaviyo's largest page (not scaled: the gateway asks for 100). */
    public static final int MEMBERS_PAGE = 100;

    /**
     * The fewest reads of an audit of a list of {@code listed} members: the stored list ({@code get_list}), the lists
     * carrying its name ({@code get_lists}), the members with their properties, {@link #MEMBERS_PAGE} a page (an empty
     * list still answers one page), and the ledger members that are not listed ({@code notListed}) looked up by
     * email, {@code lookupChunk} a call.
     */
    public static Map<String, Long> auditReads(long listed, long notListed, Caps caps) {
        Map<String, Long> calls = new LinkedHashMap<>();
        calls.put("get_list", 1L);
        calls.put("get_lists", 1L);
        calls.put("get_profiles_for_list", Math.max(1, ceil(listed, MEMBERS_PAGE)));
        if (notListed > 0) {
            calls.put("get_profiles", ceil(notListed, caps.lookupChunk()));
        }
        return calls;
    }

    /** The drift a repair writes: contacts per class, the foreign members carrying a Nosto property, the list renamed. */
    public record RepairDrift(long missing, long properties, long foreign, long foreignCarryingNosto, long profileGone,
            boolean listRenamed) {
    }

    /**
     * The fewest calls of a repair, by operation: missing and wrong-property members upserted together by bulk jobs
     * with the list attached, foreign members removed by profile id {@code listChunk} a call and those carrying a
     * Nosto property unset by bulk jobs (a job attaching the list cannot unset), the list renamed back once; each job
     * polled once. A gone profile costs no write (the ledger is corrected, nothing re-created).
     */
    public static Map<String, Long> minimumRepairCalls(RepairDrift d, Caps caps) {
        long jobs = ceil(d.missing() + d.properties(), caps.bulkMaxProfiles()) + ceil(d.foreignCarryingNosto(), caps.bulkMaxProfiles());
        Map<String, Long> calls = new LinkedHashMap<>();
        calls.put("bulk_import_profiles", jobs);
        calls.put("remove_profiles_from_list", ceil(d.foreign(), caps.listChunk()));
        calls.put("update_list", d.listRenamed() ? 1L : 0L);
        calls.put("get_bulk_import_profiles_job", jobs);
        return calls;
    }

    /** The fewest write calls of a repair (every call of {@link #minimumRepairCalls} but the job polls, which are GETs). */
    public static long minimumRepairWrites(RepairDrift d, Caps caps) {
        Map<String, Long> calls = minimumRepairCalls(d, caps);
        return calls.get("bulk_import_profiles") + calls.get("remove_profiles_from_list") + calls.get("update_list");
    }

    /**
     * The fewest calls of an audit and its repair together: the audit's reads with the drift's lookups (missing and
     * gone members are not listed), then the repair's writes and polls.
     */
    public static Map<String, Long> minimumAuditAndRepairCalls(long listed, RepairDrift d, Caps caps) {
        Map<String, Long> calls = new LinkedHashMap<>(auditReads(listed, d.missing() + d.profileGone(), caps));
        minimumRepairCalls(d, caps).forEach((op, n) -> calls.merge(op, n, Long::sum));
        calls.values().removeIf(n -> n == 0);
        return calls;
    }

    /** Klaviyo's rounding of a scaled limit, as the emulator does it: nearest integer, at least 1. */
    public static int scale(int limit, double scale) {
        return (int) Math.max(1, Math.round(limit * scale));
    }

    static long ceil(long n, long d) {
        return (n + d - 1) / d;
    }
}
