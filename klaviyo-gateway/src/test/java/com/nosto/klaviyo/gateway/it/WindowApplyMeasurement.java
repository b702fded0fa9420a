package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.gateway.service.InboxService;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.KlaviyoEmulatorTestResource;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Hand-run measurement (not a surefire test: the name does not match its includes) of the time one window takes
 * to apply at the benchmark's {@code small} scale: 10,000 entering, 2,000 moving, 2,000 leaving and 500 deleted
 * contacts, chunk sizes ÷10, Klaviyo's rate limits ×0.5 in the emulator and in the gateway's pacer, bulk jobs
 * taking 200 ms (docs/performance.md). The window is stored in the inbox as sync-worker would release it (batches of
 * 50, then the end marker) and the emulator's call log is printed as a timeline, per operation, against the time the
 * rate limits impose on the calls made.
 * <pre>
 * mvn -B -ntp -o -pl klaviyo-gateway verify -Dit.test=none -Dtest=WindowApplyMeasurement -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * {@code -Dmeasure.rounds=N} repeats the window N times (fresh account each), {@code -Dmeasure.divisor=100} runs the
 * {@code tiny} window (limits ×1).
 */
@QuarkusTest
@TestProfile(WindowApplyMeasurement.Scaled.class)
class WindowApplyMeasurement extends GatewayTestBase {

    static final int DIVISOR = Integer.getInteger("measure.divisor", 10);
    static final double RATE_SCALE = DIVISOR == 10 ? 0.5 : DIVISOR == 100 ? 1.0 : 0.1;

    /** The benchmark's gateway and emulator settings (benchmarks/…/Benchmark.java, options()). */
    public static class Scaled implements QuarkusTestProfile {

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(
                    new TestResourceEntry(KlaviyoEmulatorTestResource.class,
                            Map.of("rateLimitScale", Double.toString(RATE_SCALE), "bulkJobDelayMs", "200")),
                    new TestResourceEntry(PostgresTestResource.class),
                    new TestResourceEntry(KafkaTestResource.class, Map.of("topics", "klaviyo-sync-batches:6,klaviyo-sync-batches-dlq:1")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("klaviyo.rate-limits.lists-read", rate(75, 750));
            c.put("klaviyo.rate-limits.list-create", rate(10, 150));
            c.put("klaviyo.rate-limits.list-members", rate(10, 150));
            c.put("klaviyo.rate-limits.profiles", rate(75, 750));
            c.put("klaviyo.rate-limits.bulk-import", rate(10, 150));
            c.put("klaviyo.rate-limits.deletion", rate(3, 60));
            c.put("klaviyo.batching.bulk-threshold", Integer.toString(chunk(100)));
            c.put("klaviyo.batching.unset-bulk-threshold", Integer.toString(chunk(20)));
            c.put("klaviyo.batching.bulk-max-profiles", Integer.toString(chunk(10_000)));
            c.put("klaviyo.batching.bulk-max-bytes", Integer.toString(chunk(5_000_000)));
            c.put("klaviyo.batching.list-chunk", Integer.toString(chunk(1_000)));
            c.put("klaviyo.batching.lookup-chunk", Integer.toString(chunk(100)));
            c.put("klaviyo.batching.poll-initial-interval", "50ms");
            c.put("klaviyo.batching.poll-max-interval", "1s");
            c.put("gateway.apply.chunk-contacts", Integer.toString(chunk(20_000)));
            c.put("klaviyo.record-requests", "false");
            return c;
        }
    }

    static int scale(int limit) {
        return (int) Math.max(1, Math.round(limit * RATE_SCALE));
    }

    static String rate(int perSecond, int perMinute) {
        return scale(perSecond) + "/s," + scale(perMinute) + "/m";
    }

    static int chunk(int full) {
        return Math.max(1, full / DIVISOR);
    }

    /** Scaled limits of the operations the window uses: burst per second, steady per minute. */
    static final Map<String, int[]> RATES = Map.of(
            "get_list", new int[] {scale(75), scale(750)},
            "get_profiles", new int[] {scale(75), scale(750)},
            "remove_profiles_from_list", new int[] {scale(10), scale(150)},
            "add_profiles_to_list", new int[] {scale(10), scale(150)},
            "bulk_import_profiles", new int[] {scale(10), scale(150)},
            "get_bulk_import_profiles_job", new int[] {scale(10), scale(150)});

    @Inject
    InboxService inbox;

    @Test
    void measure() throws Exception {
        int rounds = Integer.getInteger("measure.rounds", 1);
        for (int round = 0; round < rounds; round++) {
            measureOnce(round);
        }
    }

    private void measureOnce(int round) throws Exception {
        String key = apiKey + "r" + round;
        String account = accountId + "r" + round;
        emulator().account(key);
        io.restassured.RestAssured.given().auth().oauth2(com.nosto.klaviyo.testsupport.Tokens.forAccounts(account))
                .contentType(io.restassured.http.ContentType.JSON).body(Map.of("privateApiKey", key))
                .when().put("/api/accounts/{a}/klaviyo", account).then().statusCode(200);
        var klaviyo = emulator().account(key);
        String list = klaviyo.lists().get(0).id();
        int entering = 100_000 / DIVISOR;
        int moving = 20_000 / DIVISOR;
        int leaving = 20_000 / DIVISOR;
        int deleted = 5_000 / DIVISOR;
        List<ContactState> window = new ArrayList<>();
        for (int i = 0; i < moving + leaving + deleted; i++) {
            String e = "old" + i + "@bench.example.com";
            var p = klaviyo.seedProfile(e, Map.of("nosto_segment", "Segment a", "nosto_segments", List.of("Segment a")));
            klaviyo.seedMembership(list, p.id());
            window.add(i < moving ? moved(e, 2, "Segment b") : i < moving + leaving ? removed(e, 2) : deleted(e, 2));
        }
        for (int n = 0; n < entering; n++) {
            String e = "new" + n + "@bench.example.com";
            window.add(n % 3 == 0 ? added(e, 1, "Segment a", "Segment b") : added(e, 1, "Segment a"));
        }
        List<SyncBatch> batches = new ArrayList<>();
        int size = chunk(500);
        int s = 0;
        for (int b = 0; b < window.size(); b += size, s++) {
            batches.add(batch(account, "w", 0, s, window.subList(b, Math.min(window.size(), b + size))));
        }
        batches.add(marker(account, "w", 0, s, 1));
        int before = emulator().calls().forKey(key).size();
        long start = System.currentTimeMillis();
        inbox.store(batches, batches.stream().map(EventJson::write).toList()).await().atMost(Duration.ofMinutes(1));
        inbox.stored();
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(10)).until(() -> query(
                "SELECT count(*) FROM klaviyo_gateway.inbox_batch WHERE account_id = ?", account).get(0).equals("0"));
        long end = System.currentTimeMillis();
        List<Call> all = emulator().calls().forKey(key);
        List<Call> calls = List.copyOf(all.subList(before, all.size()));
        report(round, batches.size(), calls, start, end);
        assertThat(klaviyo.listMemberIds(list)).hasSize(entering + moving);
        assertThat(calls.stream().filter(c -> c.isWrite() && c.status() != 429).count())
                .isEqualTo((long) Math.ceil((entering + moving) / (double) chunk(10_000)) + (long) Math.ceil((leaving + deleted) / (double) chunk(1_000))
                        + (long) Math.ceil((leaving + deleted) / (double) chunk(10_000)));
    }

    private static void report(int round, int batches, List<Call> calls, long start, long end) {
        long first = calls.get(0).at().toEpochMilli();
        Call lastCall = calls.get(calls.size() - 1);
        long last = lastCall.at().toEpochMilli() + lastCall.durationMillis();
        // The Call's time is when the emulator answered; the request arrived durationMillis before.
        Map<String, List<Call>> byOp = new TreeMap<>();
        calls.forEach(c -> byOp.computeIfAbsent(c.operationId(), k -> new ArrayList<>()).add(c));
        System.out.printf("%n=== Window apply, 1/%d scale, rate limits x%.1f, round %d: %d batches ===%n", DIVISOR, RATE_SCALE, round, batches);
        System.out.printf("  applier wall time           %7.2f s (first call at +%.2f s, last answer at +%.2f s, commit %.2f s)%n",
                (end - start) / 1000.0, (first - start) / 1000.0, (last - start) / 1000.0, (end - last) / 1000.0);
        System.out.printf("  first to last call (fig. 3) %7.2f s%n", (last - first) / 1000.0);
        double limit = 0;
        System.out.printf("  %-30s %5s %4s %8s %8s %8s %8s %8s%n", "operation", "calls", "429", "first", "last", "limit", "avg ms", "max ms");
        for (Map.Entry<String, List<Call>> e : byOp.entrySet()) {
            List<Call> cs = e.getValue();
            long ok = cs.stream().filter(c -> c.status() != 429).count();
            long throttled = cs.size() - ok;
            int[] r = RATES.get(e.getKey());
            double opLimit = r == null || ok <= 1 ? 0 : Math.max((ok - 1) / r[0], 60L * ((ok - 1) / r[1]));
            limit = Math.max(limit, opLimit);
            System.out.printf("  %-30s %5d %4d %8.2f %8.2f %8.1f %8.1f %8d%n", e.getKey(), ok, throttled,
                    (cs.get(0).at().toEpochMilli() - cs.get(0).durationMillis() - first) / 1000.0,
                    (cs.get(cs.size() - 1).at().toEpochMilli() - first) / 1000.0, opLimit,
                    cs.stream().mapToLong(Call::durationMillis).average().orElse(0),
                    cs.stream().mapToLong(Call::durationMillis).max().orElse(0));
        }
        System.out.printf("  limit for the calls made    %7.2f s (+0.2 s job)%n", limit + 0.2);
        // Timeline: calls answered per 500 ms, per operation.
        Map<String, String> abbrev = new LinkedHashMap<>();
        abbrev.put("get_list", "L");
        abbrev.put("get_profiles", "P");
        abbrev.put("remove_profiles_from_list", "R");
        abbrev.put("bulk_import_profiles", "J");
        abbrev.put("get_bulk_import_profiles_job", "p");
        System.out.println("  timeline (per 500 ms: P lookups, R removals, J job submissions, p polls, * 429):");
        int buckets = (int) ((last - first) / 500) + 1;
        for (int b = 0; b < buckets; b++) {
            Map<String, Integer> n = new LinkedHashMap<>();
            int t429 = 0;
            for (Call c : calls) {
                long t = c.at().toEpochMilli() - first;
                if (t / 500 == b) {
                    if (c.status() == 429) {
                        t429++;
                    } else {
                        n.merge(abbrev.getOrDefault(c.operationId(), "?"), 1, Integer::sum);
                    }
                }
            }
            StringBuilder line = new StringBuilder();
            n.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
            if (t429 > 0) {
                line.append("*=").append(t429);
            }
            System.out.printf("   %5.1f s  %s%n", b / 2.0, line);
        }
        System.out.println();
    }
}
