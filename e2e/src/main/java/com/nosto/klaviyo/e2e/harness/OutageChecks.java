package com.nosto.klaviyo.e2e.harness;

import com.nosto.klaviyo.e2e.harness.KlaviyoRecorder.Call;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What must hold after replicas, kills, rebalances and outages, as pure functions over what a test recorded (sync
 * runs, Klaviyo calls, topic records). Each returns the violations, one readable line each; empty means it holds.
 */
public final class OutageChecks {

    private OutageChecks() {
    }

    /** One window an account had applied: the gateway's {@code sync_run} row. */
    public record SyncRun(String account, String window, Instant started, Instant finished) {
    }

    /** Every {@code klaviyo_gateway.sync_run} row, read directly (not through the proxy). */
    public static List<SyncRun> syncRuns(Map<String, String> database) {
        List<SyncRun> runs = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(database.get("quarkus.datasource.jdbc.url"),
                database.get("quarkus.datasource.username"), database.get("quarkus.datasource.password"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT account_id, window_id, started_at, finished_at FROM klaviyo_gateway.sync_run")) {
            while (rs.next()) {
                runs.add(new SyncRun(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant()));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read klaviyo_gateway.sync_run", e);
        }
        return runs;
    }

    /**
     * Windows still waiting in the gateway's inbox, with their batches, contacts and end markers held (for the report:
     * a window one partition's marker short waits there until the gateway's max-wait).
     */
    public static List<String> waitingWindows(Map<String, String> database) {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(database.get("quarkus.datasource.jdbc.url"),
                database.get("quarkus.datasource.username"), database.get("quarkus.datasource.password"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT window_id, count(*), sum(contacts), count(*) FILTER (WHERE ends_partition),"
                     + " max(window_partitions) FROM klaviyo_gateway.inbox_batch GROUP BY window_id ORDER BY window_id")) {
            while (rs.next()) {
                out.add(rs.getString(1) + ": " + rs.getLong(2) + " batches, " + rs.getLong(3) + " contacts, " + rs.getLong(4)
                        + " end markers of " + rs.getObject(5));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read klaviyo_gateway.inbox_batch", e);
        }
        return out;
    }

    /** Pairs of windows of one account whose [started_at, finished_at] intervals overlap. */
    public static List<String> overlappingRuns(List<SyncRun> runs) {
        List<String> out = new ArrayList<>();
        for (List<SyncRun> account : byAccount(runs, SyncRun::account).values()) {
            account.sort(Comparator.comparing(SyncRun::started));
            for (int i = 0; i < account.size(); i++) {
                for (int j = i + 1; j < account.size() && account.get(j).started().isBefore(account.get(i).finished()); j++) {
                    SyncRun a = account.get(i);
                    SyncRun b = account.get(j);
                    out.add(a.account() + ": " + a.window() + " [" + a.started() + ", " + a.finished() + "] overlaps "
                            + b.window() + " [" + b.started() + ", " + b.finished() + "]");
                }
            }
        }
        return out;
    }

    /**
     * Times two gateway processes called Klaviyo for one account at once: a call of one instance was in flight at the
     * relay (from its request to Klaviyo's answer) while a call of another instance for the same account was. An
     * account's lease is given back after each turn (one chunk), so instances legitimately take turns on an account
     * within milliseconds of each other; only calls that overlap in time prove two holders at once. The relay's interval
     * lies inside the gateway's own view of the call (the gateway sends before it and reads the answer after it), so a
     * correct hand-over (answer read, chunk committed, lease given back, taken by another instance, its first call sent)
     * can never overlap here.
     */
    public static List<String> concurrentAppliers(List<Call> calls) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<Call>> account : byAccount(calls, Call::apiKey).entrySet()) {
            List<Call> sorted = new ArrayList<>(account.getValue());
            sorted.sort(Comparator.comparingLong(Call::start));
            // Sweep in start order, keeping the in-flight call that ends last per instance.
            Map<String, Call> latest = new TreeMap<>();
            for (Call c : sorted) {
                for (Call other : latest.values()) {
                    if (!other.instance().equals(c.instance()) && c.start() < other.end()) {
                        out.add(account.getKey() + ": " + other.instance() + " " + other.method() + " " + other.path() + " ["
                                + Instant.ofEpochMilli(other.start()) + ", " + Instant.ofEpochMilli(other.end()) + "] and "
                                + c.instance() + " " + c.method() + " " + c.path() + " [" + Instant.ofEpochMilli(c.start()) + ", "
                                + Instant.ofEpochMilli(c.end()) + "]");
                    }
                }
                latest.merge(c.instance(), c, (a, b) -> a.end() >= b.end() ? a : b);
            }
        }
        return out;
    }

    /**
     * 429s not waited out: after a 429 with {@code Retry-After: n}, the account's next call to that operation (from
     * any instance: the limit is the account's) started less than n seconds after the 429 was answered.
     */
    public static List<String> earlyAfterThrottle(List<Call> calls) {
        List<String> out = new ArrayList<>();
        Map<String, List<Call>> byOperation = calls.stream()
                .collect(Collectors.groupingBy(c -> c.apiKey() + " " + c.operation(), TreeMap::new, Collectors.toList()));
        for (List<Call> op : byOperation.values()) {
            op.sort(Comparator.comparingLong(Call::start));
            for (Call throttled : op) {
                if (throttled.status() != 429) {
                    continue;
                }
                long allowedFrom = throttled.end() + throttled.retryAfterSeconds() * 1000;
                op.stream().filter(c -> c.start() > throttled.end()).findFirst().ifPresent(next -> {
                    if (next.start() < allowedFrom) {
                        out.add(throttled.apiKey() + " " + throttled.operation() + ": 429 to " + throttled.instance() + " at "
                                + Instant.ofEpochMilli(throttled.end()) + " said Retry-After " + throttled.retryAfterSeconds()
                                + " s; " + next.instance() + " called again " + (next.start() - throttled.end()) + " ms later");
                    }
                });
            }
        }
        return out;
    }

    /** 429s never followed by an accepted call (2xx) of that account to that operation: work given up, not waited out. */
    public static List<String> throttledAndGivenUp(List<Call> calls) {
        List<String> out = new ArrayList<>();
        Map<String, List<Call>> byOperation = calls.stream()
                .collect(Collectors.groupingBy(c -> c.apiKey() + " " + c.operation(), TreeMap::new, Collectors.toList()));
        byOperation.forEach((operation, op) -> op.stream().filter(c -> c.status() == 429)
                .filter(t -> op.stream().noneMatch(c -> c.start() > t.end() && c.status() / 100 == 2))
                .forEach(t -> out.add(operation + ": 429 to " + t.instance() + " at " + Instant.ofEpochMilli(t.end())
                        + " and no accepted call after it")));
        return out;
    }

    /** 429s per API key (every 429 is a call over the account's limit). */
    public static Map<String, Long> throttledPerAccount(List<Call> calls) {
        return calls.stream().filter(c -> c.status() == 429)
                .collect(Collectors.groupingBy(c -> String.valueOf(c.apiKey()), TreeMap::new, Collectors.counting()));
    }

    /**
     * What one topic's records say about each key's versions.
     *
     * @param decreases  records with a lower version than the key's record before them (the literal reading)
     * @param reordered  of those, versions published for the first time after a newer one (out of order, not a
     *                   re-publication of a round after a crash)
     * @param staleLast  keys whose last record is not their newest version: what a compacted topic keeps
     * @param duplicates records repeating a version the key already had
     */
    public record Versions(int records, int decreases, int reordered, int staleLast, int duplicates, List<String> examples) {
    }

    /** {@code keyedVersions}: (key, version) of each record, in offset order within each partition. */
    public static Versions versions(List<Map.Entry<String, Long>> keyedVersions) {
        Map<String, Long> last = new HashMap<>();
        Map<String, Long> newest = new HashMap<>();
        Map<String, java.util.Set<Long>> seen = new HashMap<>();
        int decreases = 0;
        int reordered = 0;
        int duplicates = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, Long> r : keyedVersions) {
            String key = r.getKey();
            long version = r.getValue();
            Long previous = last.put(key, version);
            boolean first = seen.computeIfAbsent(key, k -> new java.util.HashSet<>()).add(version);
            if (previous != null && version < previous) {
                decreases++;
                if (first) {
                    reordered++;
                    if (examples.size() < 10) {
                        examples.add(key + ": version " + version + " first published after " + newest.get(key));
                    }
                }
            }
            if (!first) {
                duplicates++;
            }
            newest.merge(key, version, Math::max);
        }
        List<String> stale = last.entrySet().stream().filter(e -> e.getValue() < newest.get(e.getKey()))
                .map(e -> e.getKey() + ": ends with version " + e.getValue() + " after " + newest.get(e.getKey())).sorted().toList();
        examples.addAll(stale.subList(0, Math.min(10, stale.size())));
        return new Versions(keyedVersions.size(), decreases, reordered, stale.size(), duplicates, examples);
    }

    private static <T> Map<String, List<T>> byAccount(List<T> items, java.util.function.Function<T, String> account) {
        return items.stream().collect(Collectors.groupingBy(i -> String.valueOf(account.apply(i)), TreeMap::new,
                Collectors.toCollection(ArrayList::new)));
    }
}
