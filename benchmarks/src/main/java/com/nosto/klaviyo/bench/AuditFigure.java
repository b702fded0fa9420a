package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.figure;
import static com.nosto.klaviyo.bench.Figures.ratio;
import static com.nosto.klaviyo.bench.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.emulator.KlaviyoList;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.testsupport.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The audit figure (issue 19): the account figure 2's window populated is audited through the SRE endpoint. A clean dry
 * run is timed against the time Klaviyo's read limits impose on its reads (pages of 100 members); then about 1 % drift is
 * made in the emulator as a merchant's hand edits would make it (members removed, profiles added to the list, properties
 * edited, profiles deleted, the list renamed); a dry run must report exactly that drift and write nothing; the repair's
 * write calls are compared with the fewest that drift allows; a second audit must find nothing and write nothing. The
 * drift, and what Klaviyo must hold after the repair, are {@link AuditDrift}.
 */
final class AuditFigure {

    /** The operations an audit and its repair use (the rates reported). */
    private static final Set<String> OPERATIONS = Set.of("get_list", "get_lists", "get_profiles_for_list", "get_profiles",
            "bulk_import_profiles", "get_bulk_import_profiles_job", "remove_profiles_from_list", "update_list");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Bench b;

    AuditFigure(Bench b) {
        this.b = b;
    }

    /** One audit request and the Klaviyo calls it made. */
    private record Audit(JsonNode report, Duration took, List<Call> calls) {

        long writes() {
            return calls.stream().filter(c -> c.isWrite() && c.status() != 429).count();
        }

        Map<String, Long> byOperation() {
            return calls.stream().filter(c -> c.status() != 429 && c.operationId() != null)
                    .collect(Collectors.groupingBy(Call::operationId, TreeMap::new, Collectors.counting()));
        }

        Map<String, Map<Integer, Long>> byOperationAndStatus() {
            Map<String, Map<Integer, Long>> out = new TreeMap<>();
            for (Call c : calls) {
                String op = c.operationId() != null ? c.operationId() : c.method() + " " + c.path();
                out.computeIfAbsent(op, k -> new TreeMap<>()).merge(c.status(), 1L, Long::sum);
            }
            return out;
        }

        Duration callSpan() {
            return calls.isEmpty() ? Duration.ZERO : Duration.between(calls.get(0).at(), calls.get(calls.size() - 1).at())
                    .plusMillis(calls.get(calls.size() - 1).durationMillis());
        }

        Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", seconds(took));
            m.put("klaviyoCallSpanSeconds", seconds(callSpan()));
            m.put("drift", report.path("drift"));
            m.put("writeCallsInCallLog", writes());
            m.put("gatewayKlaviyoWrites", report.path("klaviyoWrites").asLong(-1));
            m.put("gatewayPlannedWrites", report.path("writes"));
            m.put("gatewayMinimumWrites", report.path("minimumWrites").asLong(-1));
            m.put("throttled429", calls.stream().filter(c -> c.status() == 429).count());
            m.put("callsByOperationAndStatus", byOperationAndStatus());
            return m;
        }
    }

    Map<String, Object> run(String key, String account) {
        EmulatedAccount klaviyo = b.system.klaviyo().account(key);
        String listId = klaviyo.listByName(SystemUnderTest.LIST_NAME).map(KlaviyoList::id)
                .orElseThrow(() -> new IllegalStateException("the window's account has no list"));
        int listed = klaviyo.listMemberIds(listId).size();
        Map<String, Limits.Rate> rates = b.rates();
        Limits.Caps caps = b.sizes.caps();
        b.awaitQuiet(key);

        // 1. A clean dry run: the whole list read, nothing found; the gateway's heap sampled meanwhile.
        Bench.log("audit: clean dry run of " + listed + " listed members");
        String gateway = b.system.service("klaviyo-gateway").managementUrl();
        long gatewayPid = b.system.service("klaviyo-gateway").pid();
        Probe.fullGc(gatewayPid);
        long idleLive = Probe.heapUsed(gateway);
        HeapSampler heap = HeapSampler.start(gateway);
        // Live heap half-way through the member pages (a full GC, then the heap in use): what the audit keeps alive.
        long[] liveMidAudit = {-1};
        int callsBefore = b.system.klaviyo().calls().forKey(key).size();
        long halfPages = Math.max(1, Limits.ceil(listed, Limits.MEMBERS_PAGE) / 2);
        Thread midProbe = new Thread(() -> {
            long deadline = System.nanoTime() + b.timeout.toNanos();
            while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                List<Call> calls = b.system.klaviyo().calls().forKey(key);
                long pages = calls.subList(Math.min(callsBefore, calls.size()), calls.size()).stream()
                        .filter(c -> "get_profiles_for_list".equals(c.operationId())).count();
                if (pages >= halfPages) {
                    if (Probe.fullGc(gatewayPid)) {
                        liveMidAudit[0] = Probe.heapUsed(gateway);
                    }
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "audit-heap-probe");
        midProbe.setDaemon(true);
        midProbe.start();
        Audit clean = audit(key, account, false);
        long peakHeap = heap.stop();
        midProbe.interrupt();
        try {
            midProbe.join(70_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, Long> cleanReads = Limits.auditReads(listed, 0, caps);
        Duration bound = Limits.imposedTime(cleanReads, rates, Duration.ZERO);
        Duration boundBest = Limits.imposedTime(cleanReads, rates, Duration.ZERO, true);
        Map<String, Object> time = figure("seconds of a clean dry-run audit (the SRE request, answered) of " + listed + " listed members",
                seconds(clean.took()), "seconds Klaviyo's read limits impose on its reads (" + cleanReads.get("get_profiles_for_list")
                        + " pages of " + Limits.MEMBERS_PAGE + " members, get_list, get_lists)", seconds(bound), "<= 1.2");
        boolean cleanOk = AuditDrift.noDrift(clean.report().path("drift")) && clean.writes() == 0;
        time.put("met", ratio(seconds(clean.took()), seconds(bound)) <= 1.2 && cleanOk);
        time.put("listedMembers", listed);
        time.put("cleanAuditFoundNoDriftAndWroteNothing", cleanOk);
        time.put("klaviyoCallSpanSeconds", seconds(clean.callSpan()));
        time.put("ratioOfCallSpan", ratio(seconds(clean.callSpan()), seconds(bound)));
        time.put("limitSecondsBestAlignment", seconds(boundBest));
        time.put("ratioToBestAlignment", ratio(seconds(clean.took()), seconds(boundBest)));
        Duration boundActual = Limits.imposedTime(clean.byOperation(), rates, Duration.ZERO);
        time.put("limitSecondsForCallsActuallyMade", seconds(boundActual));
        time.put("minimumReads", cleanReads);
        time.put("gatewayPeakHeapBytes", peakHeap);
        time.put("gatewayIdleLiveHeapBytes", idleLive);
        time.put("gatewayLiveHeapHalfwayBytes", liveMidAudit[0]);
        // Per member read so far (half the pages); the ledger's rows the audit compares with are in it too.
        time.put("gatewayLiveHeapHalfwayAboveIdleBytesPerMemberRead", liveMidAudit[0] < 0 || idleLive < 0 ? -1
                : Figures.round((double) (liveMidAudit[0] - idleLive) / Math.min(listed, halfPages * Limits.MEMBERS_PAGE)));
        time.put("gatewayJvm", String.join(" ", Benchmark.GATEWAY_JVM));
        time.put("cleanAudit", clean.summary());
        time.put("rateLimitScale", b.sizes.rateScale());
        time.put("ratesUsed", new TreeMap<>(rates.entrySet().stream().filter(e -> OPERATIONS.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))));

        // 2. About 1 % drift, made as a merchant's hand edits (the emulator's account edits: no Klaviyo API call).
        AuditDrift drift = AuditDrift.onePercentOf(listed);
        Bench.log("audit: drift " + drift + " and the list renamed");
        Set<String> foreignEmails = drift.inject(klaviyo, listId, b.run);
        int listedDrifted = klaviyo.listMemberIds(listId).size();

        // 3. The dry run reports exactly that drift and writes nothing.
        Audit dry = audit(key, account, false);
        Map<String, Integer> expected = drift.expectedDrift();
        boolean dryExact = AuditDrift.driftMatches(expected, dry.report().path("drift"));
        Map<String, Long> dryReads = Limits.auditReads(listedDrifted, drift.missing() + drift.profileGone(), caps);

        // 4. The repair: its write calls against the fewest the drift allows.
        Bench.log("audit: repair");
        Audit repair = audit(key, account, true);
        long minimum = Limits.minimumRepairWrites(drift.repairDrift(), caps);
        long writes = repair.writes();

        // 5. A second audit finds nothing and writes nothing.
        Audit after = audit(key, account, false);
        boolean afterClean = AuditDrift.noDrift(after.report().path("drift")) && after.writes() == 0;
        Map<String, Object> converged = drift.converged(klaviyo, listId, listed, foreignEmails);

        Map<String, Object> repairFigure = figure("write calls to Klaviyo of the repair of " + drift.contacts() + " drifted contacts ("
                        + ratioText(drift.contacts(), listed) + " of " + listed + ") and a renamed list (429s excluded)", writes,
                "minimum write calls for that drift (bulk jobs of " + caps.bulkMaxProfiles() + ", list removals of "
                        + caps.listChunk() + ", one rename)", minimum, "<= 1.1");
        boolean convergedOk = Boolean.TRUE.equals(converged.get("ok"));
        repairFigure.put("met", ratio(writes, minimum) <= 1.1 && dryExact && dry.writes() == 0 && afterClean && convergedOk);
        repairFigure.put("injected", expected);
        repairFigure.put("foreignCarryingNosto", drift.foreignCarryingNosto());
        repairFigure.put("dryRunReportedExactly", dryExact);
        repairFigure.put("dryRunWriteCalls", dry.writes());
        repairFigure.put("secondAuditFoundNoDriftAndWroteNothing", afterClean);
        repairFigure.put("converged", converged);
        repairFigure.put("minimumCallsByOperation", Limits.minimumRepairCalls(drift.repairDrift(), caps));
        repairFigure.put("repairCallsByOperation", repair.byOperation());
        Duration dryBound = Limits.imposedTime(dryReads, rates, Duration.ZERO);
        repairFigure.put("dryRunSecondsAndLimit", List.of(seconds(dry.took()), seconds(dryBound)));
        Duration repairBound = Limits.imposedTime(Limits.minimumAuditAndRepairCalls(listedDrifted, drift.repairDrift(), caps), rates,
                Bench.BULK_JOB_DELAY);
        repairFigure.put("repairSecondsAndLimit", List.of(seconds(repair.took()), seconds(repairBound)));
        repairFigure.put("dryRun", dry.summary());
        repairFigure.put("repair", repair.summary());
        repairFigure.put("secondAudit", after.summary());

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("auditTime", time);
        result.put("auditRepairWrites", repairFigure);
        return result;
    }

    private static String ratioText(int part, int whole) {
        return String.format(java.util.Locale.ROOT, "%.2f %%", 100.0 * part / whole);
    }

    /** {@code POST /api/accounts/{a}/audit?repair=…} as an SRE, timed; the Klaviyo calls made meanwhile from the call log. */
    private Audit audit(String key, String account, boolean repair) {
        int before = b.system.klaviyo().calls().forKey(key).size();
        String url = b.system.service("klaviyo-gateway").baseUrl() + "/api/accounts/" + account + "/audit?repair=" + repair;
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(b.timeout)
                .header("Authorization", "Bearer " + Tokens.sre()).header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        Instant t0 = Instant.now();
        HttpResponse<byte[]> r;
        try {
            r = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("POST " + url + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Duration took = Duration.between(t0, Instant.now());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("audit (repair=" + repair + ") answered HTTP " + r.statusCode() + ": "
                    + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        JsonNode body;
        try {
            body = EventJson.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<Call> calls = b.system.klaviyo().calls().forKey(key);
        Audit a = new Audit(body, took, List.copyOf(calls.subList(before, calls.size())));
        Bench.log("audit (repair=" + repair + "): " + seconds(took) + " s, drift " + body.path("drift") + ", " + a.writes()
                + " write call(s)");
        return a;
    }
}
