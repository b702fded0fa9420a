package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.figure;
import static com.nosto.klaviyo.bench.Figures.ratio;
import static com.nosto.klaviyo.bench.Figures.round;
import static com.nosto.klaviyo.bench.Figures.seconds;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Figure 7, "no account waits behind another": many small accounts and one large account release their windows at
 * the same moment. Each small account's freshness (the moment the windows end, i.e. the SRE flushes are sent, → that
 * account's last Klaviyo call, from the emulator's call log) is measured twice on the same accounts in the same run:
 * released alone, and released together with the large account. Target: p99 with the large account ≤ 1.2 × p99
 * without it. A warm-up window first gives every account its list and the services warm code, so both measured
 * windows make the same calls per small account (one bulk import job with the list attached, its polls, one list
 * check).
 */
final class AccountsFigure {

    /** Concurrent API callers for setting accounts up and for the flushes that end the windows together. */
    private static final int CALLERS = 8;

    private final Bench b;
    /** Appended to the accounts' ids and keys, so figure 10 can measure figure 7 more than once in a run. */
    private final String tag;

    AccountsFigure(Bench b) {
        this(b, "");
    }

    AccountsFigure(Bench b, String tag) {
        this.b = b;
        this.tag = tag;
    }

    /** One account of the figure: its Nosto id, its Klaviyo key and how many list members it should have. */
    private record Account(String id, String key) {
    }

    Map<String, Object> run() {
        int n = b.sizes.accounts();
        int per = b.sizes.accountContacts();
        int largeSize = b.sizes.largeAccount();
        List<Account> small = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            small.add(new Account("bench-acc-" + b.run + tag + "-s" + i, "pk_bench_" + b.run + tag + "a" + i));
        }
        // The large account's id sorts before every small one's: the worst case wherever accounts are served in id
        // order (sync-worker reads due windows ordered by account), and it is flushed first too.
        Account large = new Account("bench-acc-" + b.run + tag + "-L", "pk_bench_" + b.run + tag + "big");
        List<Account> all = new ArrayList<>();
        all.add(large);
        all.addAll(small);
        Bench.log("accounts: connecting " + n + " small accounts and one large one");
        parallel(all, a -> {
            b.system.klaviyo().account(a.key());
            b.api.connectKlaviyo(a.id(), a.key()).expect(200, 201);
            b.segments(a.id(), "s");
        });
        Map<String, Integer> expected = new HashMap<>();
        // Warm-up: one contact per account, so each has its list (created once) and the measured windows are alike.
        Map<String, Object> warmUp = phase("warm-up", all, 1, Map.of(), "w", expected);
        Map<String, Object> alone = phase("small accounts alone", small, per, Map.of(), "a", expected);
        Map<String, Object> with = phase("small accounts with the large one", small, per, Map.of(large, largeSize), "b", expected);

        double p99Alone = (double) alone.get("p99Seconds");
        double p99With = (double) with.get("p99Seconds");
        Map<String, Object> f = figure("p99 seconds from the windows' end to a small account's last Klaviyo call, the large account"
                        + " released at the same moment", p99With,
                "the same p99 for the same small accounts released without the large account (same run)", p99Alone, "<= 1.2");
        double p99Ratio = ratio(p99With, p99Alone);
        f.put("met", p99Ratio <= 1.2);
        f.put("p50WithLarge", with.get("p50Seconds"));
        f.put("p50Alone", alone.get("p50Seconds"));
        f.put("p50Ratio", ratio((double) with.get("p50Seconds"), (double) alone.get("p50Seconds")));
        f.put("p99WithLarge", p99With);
        f.put("p99Alone", p99Alone);
        f.put("accountsAppliedPerMinute", with.get("accountsPerMinute"));
        f.put("gatewayCpuMsPerContact", with.get("gatewayCpuMsPerContact"));
        f.put("smallAccounts", n);
        f.put("contactsPerSmallAccount", per);
        f.put("largeAccountContacts", largeSize);
        f.put("smallAccountsConverged", with.get("accountsConverged"));
        f.put("contactsInKlaviyo", with.get("contactsInKlaviyo"));
        f.put("alone", alone);
        f.put("withLarge", with);
        f.put("warmUp", warmUp);
        return f;
    }

    /**
     * One window for {@code accounts} ({@code contacts} new contacts each) plus {@code extra} accounts of their own
     * sizes: events published and ingested, then every account flushed at once (the extra ones first), then
     * measured until every list holds its members and Klaviyo is quiet. Freshness is reported for {@code accounts}.
     */
    private Map<String, Object> phase(String name, List<Account> accounts, int contacts, Map<Account, Integer> extra,
            String prefix, Map<String, Integer> expected) {
        Map<Account, Integer> sizes = new LinkedHashMap<>(extra);
        accounts.forEach(a -> sizes.put(a, contacts));
        long total = sizes.values().stream().mapToLong(Integer::longValue).sum();
        Bench.log("accounts: " + name + ": " + sizes.size() + " accounts, " + total + " contacts");
        sizes.forEach((a, count) -> {
            for (int i = 0; i < count; i++) {
                b.publish(SegmentEvent.fullSet(a.id(), prefix + i + "@bench.example.com", List.of("s"), null));
            }
            expected.merge(a.key(), count, Integer::sum);
        });
        b.kafka.flush();
        b.awaitIngested();

        Map<String, EmulatedAccount> klaviyo = new HashMap<>();
        sizes.keySet().forEach(a -> klaviyo.put(a.key(), b.system.klaviyo().account(a.key())));
        int callsBefore = b.system.klaviyo().calls().all().size();
        Map<String, List<Long>> pids = b.pids();
        CpuProfile.Sample cpuStart = CpuProfile.sampleInstances(pids);
        // The windows end together: every account's flush is sent at once (the large account's first), and each
        // account's freshness counts from this one instant, so the spread of the flushes is inside the figure.
        Instant windowEnd = Instant.now();
        parallel(new ArrayList<>(sizes.keySet()), a -> b.api.flush(a.id()).expect(200, 202, 204));
        Duration flushSpread = Duration.between(windowEnd, Instant.now());
        Set<String> waiting = new LinkedHashSet<>(klaviyo.keySet());
        Probe.await(name + ": every account's list complete", b.timeout, () -> {
            waiting.removeIf(key -> Bench.members(klaviyo.get(key)) >= expected.get(key));
            return waiting.isEmpty();
        });
        awaitQuiet();
        CpuProfile.Sample cpuEnd = CpuProfile.sampleInstances(pids);

        List<Call> calls = b.system.klaviyo().calls().all();
        Map<String, Instant> lastCall = new HashMap<>();
        long throttled = 0;
        for (Call c : calls.subList(callsBefore, calls.size())) {
            if (c.apiKey() != null && klaviyo.containsKey(c.apiKey())) {
                lastCall.merge(c.apiKey(), c.at(), (x, y) -> x.isAfter(y) ? x : y);
                throttled += c.status() == 429 ? 1 : 0;
            }
        }
        List<Double> freshness = new ArrayList<>();
        long converged = 0;
        long contactsInKlaviyo = 0;
        for (Account a : accounts) {
            Instant last = lastCall.get(a.key());
            if (last == null) {
                throw new IllegalStateException(name + ": no Klaviyo call for " + a.id());
            }
            freshness.add(seconds(Duration.between(windowEnd, last)));
            int members = Bench.members(klaviyo.get(a.key()));
            converged += members == expected.get(a.key()) ? 1 : 0;
            contactsInKlaviyo += members;
        }
        Instant lastOfAll = lastCall.values().stream().max(Instant::compareTo).orElse(windowEnd);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accounts", sizes.size());
        m.put("contacts", total);
        m.put("p50Seconds", percentile(freshness, 50));
        m.put("p99Seconds", percentile(freshness, 99));
        m.put("maxSeconds", freshness.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        m.put("flushSpreadSeconds", seconds(flushSpread));
        for (Account a : extra.keySet()) {
            m.put("largeAccountSeconds", seconds(Duration.between(windowEnd, lastCall.getOrDefault(a.key(), windowEnd))));
            m.put("largeAccountListMembers", Bench.members(klaviyo.get(a.key())));
        }
        double span = Duration.between(windowEnd, lastOfAll).toNanos() / 1e9;
        m.put("lastCallSeconds", round(span));
        m.put("accountsPerMinute", round(span <= 0 ? 0 : sizes.size() * 60 / span));
        m.put("accountsConverged", converged);
        m.put("contactsInKlaviyo", contactsInKlaviyo);
        m.put("throttled429", throttled);
        int cores = Runtime.getRuntime().availableProcessors();
        Map<String, Object> cpu = CpuProfile.between(cpuStart, cpuEnd, total, List.of("klaviyo-gateway"), cores);
        @SuppressWarnings("unchecked")
        Map<String, Double> perUnit = (Map<String, Double>) cpu.get("cpuMsPerUnit");
        m.put("gatewayCpuMsPerContact", perUnit.get("klaviyo-gateway"));
        m.put("cpuProfile", cpu);
        Bench.log("accounts: " + name + ": p50 " + m.get("p50Seconds") + " s, p99 " + m.get("p99Seconds") + " s, "
                + m.get("accountsPerMinute") + " accounts/min");
        return m;
    }

    /** The gateway has consumed every batch and no Klaviyo call came for two seconds, whatever the account. */
    private void awaitQuiet() {
        Probe.await("gateway caught up and Klaviyo quiet", b.timeout, () -> {
            if (b.kafka.lag("klaviyo-gateway", Topics.SYNC_BATCHES) != 0) {
                return false;
            }
            List<Call> calls = b.system.klaviyo().calls().all();
            return calls.isEmpty() || Duration.between(calls.get(calls.size() - 1).at(), Instant.now()).toMillis() > 2000;
        });
    }

    /** Nearest-rank percentile ({@code p} in 0..100) of the values; 0 when there are none. */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.size());
        return sorted.get(Math.min(sorted.size(), Math.max(1, rank)) - 1);
    }

    /** Runs {@code action} for every account on {@link #CALLERS} threads, in order of submission; fails on any failure. */
    private <T> void parallel(List<T> items, Consumer<T> action) {
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(pool.submit(() -> action.accept(item)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
    }
}
