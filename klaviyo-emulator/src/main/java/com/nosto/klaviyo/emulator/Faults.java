package com.nosto.klaviyo.emulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Fault injection for drills and resilience tests. A <em>target</em> is an operationId ({@code add_profiles_to_list}),
 * a path prefix ({@code /api/lists}), a glob with {@code *} ({@code /api/lists/ * /relationships/profiles} without
 * spaces), or {@code *} for every Klaviyo call. All settings apply to every API key. Thread-safe.
 */
public final class Faults {

    /** What an unknown profile id in a list add/remove does; Klaviyo's behaviour is undocumented (API-NOTES §3). */
    public enum UnknownProfileIds { SKIP, REJECT }

    /** {@code passing}: matching calls still answered normally before the rule starts failing them. */
    record ErrorRule(String target, int status, double rate, int remaining, int passing) {
    }

    record ResetRule(String target, double rate) {
    }

    record LatencyRule(String target, Duration delay) {
    }

    private final List<ErrorRule> errors = new ArrayList<>();
    private final List<ResetRule> resets = new ArrayList<>();
    private final List<LatencyRule> latencies = new ArrayList<>();
    private final Set<String> rejectedEmails = new HashSet<>();
    private final Set<String> failedInBulk = new HashSet<>();
    private Duration bulkJobDelay;
    private UnknownProfileIds unknownProfileIds = UnknownProfileIds.SKIP;

    /** Answers {@code rate} (0..1) of the calls to {@code target} with {@code status} (429, 500, 503, ...). */
    public synchronized Faults failRate(String target, int status, double rate) {
        errors.add(new ErrorRule(target, status, rate, -1, 0));
        return this;
    }

    /** Answers the next {@code times} calls to {@code target} with {@code status}; deterministic, for tests. */
    public synchronized Faults failNext(String target, int status, int times) {
        return failAfter(target, status, 0, times);
    }

    /**
     * Lets the next {@code passing} calls to {@code target} through, then answers the {@code times} after them with
     * {@code status}: a failure in the middle of a paged read (the third page of a list's members), for tests.
     */
    public synchronized Faults failAfter(String target, int status, int passing, int times) {
        errors.add(new ErrorRule(target, status, 1.0, times, passing));
        return this;
    }

    /** Delays every Klaviyo call. */
    public synchronized Faults latency(Duration delay) {
        return latency("*", delay);
    }

    public synchronized Faults latency(String target, Duration delay) {
        latencies.add(new LatencyRule(target, delay));
        return this;
    }

    /** Closes the connection without an answer for {@code rate} of the calls to {@code target}. */
    public synchronized Faults resetConnections(String target, double rate) {
        resets.add(new ResetRule(target, rate));
        return this;
    }

    /** Bulk import jobs stay queued/processing this long (overrides the config's bulkJobDelay). */
    public synchronized Faults slowBulkJobs(Duration delay) {
        this.bulkJobDelay = delay;
        return this;
    }

    /** profile-import, create/update profile and bulk import treat this email as invalid (400, whole bulk request). */
    public synchronized Faults rejectEmail(String email) {
        rejectedEmails.add(normalize(email));
        return this;
    }

    /** A bulk import job accepts this email but fails its row asynchronously (an entry in import-errors). */
    public synchronized Faults failInBulkJob(String email) {
        failedInBulk.add(normalize(email));
        return this;
    }

    public synchronized Faults unknownProfileIds(UnknownProfileIds policy) {
        this.unknownProfileIds = policy;
        return this;
    }

    public synchronized void clear() {
        errors.clear();
        resets.clear();
        latencies.clear();
        rejectedEmails.clear();
        failedInBulk.clear();
        bulkJobDelay = null;
        unknownProfileIds = UnknownProfileIds.SKIP;
    }

    synchronized Optional<Integer> errorFor(String operationId, String path) {
        for (int i = 0; i < errors.size(); i++) {
            ErrorRule r = errors.get(i);
            if (matches(r.target(), operationId, path) && r.passing() > 0) {
                errors.set(i, new ErrorRule(r.target(), r.status(), r.rate(), r.remaining(), r.passing() - 1));
                continue;
            }
            if (matches(r.target(), operationId, path) && ThreadLocalRandom.current().nextDouble() < r.rate()) {
                if (r.remaining() > 0) {
                    if (r.remaining() == 1) {
                        errors.remove(i);
                    } else {
                        errors.set(i, new ErrorRule(r.target(), r.status(), r.rate(), r.remaining() - 1, 0));
                    }
                }
                return Optional.of(r.status());
            }
        }
        return Optional.empty();
    }

    synchronized boolean resetFor(String operationId, String path) {
        for (ResetRule r : resets) {
            if (matches(r.target(), operationId, path) && ThreadLocalRandom.current().nextDouble() < r.rate()) {
                return true;
            }
        }
        return false;
    }

    synchronized Duration latencyFor(String operationId, String path) {
        Duration total = Duration.ZERO;
        for (LatencyRule r : latencies) {
            if (matches(r.target(), operationId, path)) {
                total = total.plus(r.delay());
            }
        }
        return total;
    }

    synchronized boolean isRejected(String email) {
        return email != null && rejectedEmails.contains(normalize(email));
    }

    synchronized boolean failsInBulk(String email) {
        return email != null && failedInBulk.contains(normalize(email));
    }

    synchronized Optional<Duration> bulkJobDelay() {
        return Optional.ofNullable(bulkJobDelay);
    }

    synchronized UnknownProfileIds unknownProfileIdPolicy() {
        return unknownProfileIds;
    }

    /** A view for the admin API. */
    synchronized java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("errors", errors.stream().map(r -> java.util.Map.of("target", r.target(), "status", r.status(), "rate", r.rate(),
                "remaining", r.remaining(), "passing", r.passing())).toList());
        m.put("resets", resets.stream().map(r -> java.util.Map.of("target", r.target(), "rate", r.rate())).toList());
        m.put("latencies", latencies.stream().map(r -> java.util.Map.of("target", r.target(), "millis", r.delay().toMillis())).toList());
        m.put("rejectEmails", List.copyOf(rejectedEmails));
        m.put("failInBulkJob", List.copyOf(failedInBulk));
        m.put("bulkJobDelayMillis", bulkJobDelay == null ? null : bulkJobDelay.toMillis());
        m.put("unknownProfileIds", unknownProfileIds.name());
        return m;
    }

    static boolean matches(String target, String operationId, String path) {
        if (target == null || target.equals("*")) {
            return true;
        }
        if (target.equals(operationId)) {
            return true;
        }
        if (!target.startsWith("/")) {
            return false;
        }
        if (target.contains("*")) {
            String regex = java.util.regex.Pattern.quote(target).replace("*", "\\E[^/]*\\Q");
            return path.matches(regex + ".*");
        }
        return path.startsWith(target);
    }

    static String normalize(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }
}
