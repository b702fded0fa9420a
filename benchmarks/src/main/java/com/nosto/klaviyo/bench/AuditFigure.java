package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.figure;
import static com.nosto.klaviyo.bench.Figures.ratio;
import static com.nosto.klaviyo.bench.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.emulator.KlaviyoList;
import com.nosto.klaviyo.emulator.Profile;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.testsupport.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
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
 * write calls are compared with the fewest that drift allows; a second audit must find nothing and write nothing.
 */
final class AuditFigure {

    /** The drift classes the gateway reports, in its order. */
    static final List<String> CLASSES = List.of("MISSING", "FOREIGN", "PROPERTIES", "PROFILE_GONE", "LIST_MISSING",
            "LIST_RENAMED", "LIST_DUPLICATE");

    /** The operations an audit and its repair use (the rates reported). */
    private static final Set<String> OPERATIONS = Set.of("get_list", "get_lists", "get_profiles_for_list", "get_profiles",
            "bulk_import_profiles", "get_bulk_import_profiles_job", "remove_profiles_from_list", "update_list");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * The drift made in a list of {@code listed} members, 1 % of them in all (at least one of each): 0.3 % removed from
     * the list (MISSING), 0.3 % profiles added by hand (FOREIGN; half of them carrying a Nosto property, which the
     * repair unsets), 0.2 % with properties edited (PROPERTIES), 0.2 % profiles deleted (PROFILE_GONE), and the list
     * renamed.
     */
    record Injection(int missing, int foreign, int foreignCarryingNosto, int properties, int profileGone) {

        static Injection onePercentOf(int listed) {
            int foreign = Math.max(1, listed * 3 / 1000);
            return new Injection(Math.max(1, listed * 3 / 1000), foreign, (foreign + 1) / 2, Math.max(1, listed * 2 / 1000),
                    Math.max(1, listed * 2 / 1000));
        }

        int contacts() {
            return missing + foreign + properties + profileGone;
        }

        /** Members still listed after the drift: the missing and the deleted ones left the list, the foreign ones joined. */
        int listedAfter(int listed) {
            return listed - missing - profileGone + foreign;
        }

        /** What the dry run must report, every class. */
        Map<String, Integer> expectedDrift() {
            Map<String, Integer> m = new LinkedHashMap<>();
            CLASSES.forEach(c -> m.put(c, 0));
            m.put("MISSING", missing);
            m.put("FOREIGN", foreign);
            m.put("PROPERTIES", properties);
            m.put("PROFILE_GONE", profileGone);
            m.put("LIST_RENAMED", 1);
            return m;
        }

        Limits.RepairDrift repairDrift() {
            return new Limits.RepairDrift(missing, properties, foreign, foreignCarryingNosto, profileGone, true);
        }
    }

    /** {@code count} distinct indices spread evenly over {@code 0..size-1}, ascending. */
    static int[] spread(int size, int count) {
        if (count > size) {
            throw new IllegalArgumentException(count + " picks from " + size);
        }
        int[] out = new int[count];
        for (int k = 0; k < count; k++) {
            out[k] = (int) ((long) k * size / count);
        }
        return out;
    }

    /** Every class reported (absent = 0) equal to the expected count. */
    static boolean driftMatches(Map<String, Integer> expected, JsonNode reported) {
        for (String c : CLASSES) {
            if (reported.path(c).asInt(0) != expected.getOrDefault(c, 0)) {
                return false;
            }
        }
        return true;
    }

    /** Every class reported 0. */
    static boolean noDrift(JsonNode reported) {
        return driftMatches(Map.of(), reported);
    }

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
        boolean cleanOk = noDrift(clean.report().path("drift")) && clean.writes() == 0;
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
        Injection drift = Injection.onePercentOf(listed);
        Bench.log("audit: drift " + drift + " and the list renamed");
        Set<String> foreignEmails = inject(klaviyo, listId, drift);
        int listedDrifted = klaviyo.listMemberIds(listId).size();

        // 3. The dry run reports exactly that drift and writes nothing.
        Audit dry = audit(key, account, false);
        Map<String, Integer> expected = drift.expectedDrift();
        boolean dryExact = driftMatches(expected, dry.report().path("drift"));
        Map<String, Long> dryReads = Limits.auditReads(listedDrifted, drift.missing() + drift.profileGone(), caps);

        // 4. The repair: its write calls against the fewest the drift allows.
        Bench.log("audit: repair");
        Audit repair = audit(key, account, true);
        long minimum = Limits.minimumRepairWrites(drift.repairDrift(), caps);
        long writes = repair.writes();

        // 5. A second audit finds nothing and writes nothing.
        Audit after = audit(key, account, false);
        boolean afterClean = noDrift(after.report().path("drift")) && after.writes() == 0;
        Map<String, Object> converged = converged(klaviyo, listId, listed, drift, foreignEmails);

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

    /**
     * The drift, through the emulator's account edits (the same methods its admin API's routes call): members spread
     * over the list removed, edited or deleted (disjoint), new profiles added to the list, the list renamed. Returns
     * the foreign members' emails.
     */
    private Set<String> inject(EmulatedAccount klaviyo, String listId, Injection d) {
        List<String> members = klaviyo.listMemberIds(listId);
        int[] picks = spread(members.size(), d.missing() + d.properties() + d.profileGone());
        List<String> missing = new ArrayList<>();
        int k = 0;
        for (; k < d.missing(); k++) {
            missing.add(members.get(picks[k]));
        }
        klaviyo.removeMembers(listId, missing);
        for (int p = 0; k < d.missing() + d.properties(); k++, p++) {
            String id = members.get(picks[k]);
            switch (p % 3) {
                case 0 -> klaviyo.editProperties(id, Map.of("nosto_segment", "Hand-made"), List.of());
                case 1 -> klaviyo.editProperties(id, Map.of(), List.of("nosto_segments"));
                default -> klaviyo.editProperties(id, Map.of("nosto_segments", "Segment a"), List.of());
            }
        }
        for (; k < picks.length; k++) {
            klaviyo.deleteProfile(members.get(picks[k]));
        }
        Set<String> foreignEmails = new HashSet<>();
        List<String> foreign = new ArrayList<>();
        for (int f = 0; f < d.foreign(); f++) {
            String email = "foreign" + f + "-" + b.run + "@bench.example.com";
            Map<String, Object> props = f < d.foreignCarryingNosto()
                    ? Map.of("loyalty", "gold", "nosto_segment", "Segment a", "nosto_segments", List.of("Segment a"))
                    : Map.of("loyalty", "gold");
            foreign.add(klaviyo.seedProfile(email, props).id());
            foreignEmails.add(email);
        }
        klaviyo.addMembers(listId, foreign);
        klaviyo.renameList(listId, "Our shoppers (renamed by hand)");
        return foreignEmails;
    }

    /** Klaviyo after the repair: the list named back, every ledger member but the deleted ones listed, no foreign one. */
    private Map<String, Object> converged(EmulatedAccount klaviyo, String listId, int listed, Injection d, Set<String> foreignEmails) {
        Map<String, Object> m = new LinkedHashMap<>();
        String name = klaviyo.list(listId).map(KlaviyoList::name).orElse(null);
        List<String> emails = klaviyo.listMemberEmails(listId);
        long foreignListed = emails.stream().filter(foreignEmails::contains).count();
        long foreignStillCarrying = foreignEmails.stream().map(klaviyo::profileByEmail).flatMap(java.util.Optional::stream)
                .map(Profile::properties).filter(p -> p.containsKey("nosto_segment") || p.containsKey("nosto_segments")).count();
        long foreignLostLoyalty = foreignEmails.stream().map(klaviyo::profileByEmail).flatMap(java.util.Optional::stream)
                .map(Profile::properties).filter(p -> !"gold".equals(p.get("loyalty"))).count();
        m.put("listName", name);
        m.put("listMembers", emails.size());
        m.put("expectedListMembers", listed - d.profileGone());
        m.put("foreignStillListed", foreignListed);
        m.put("foreignStillCarryingNosto", foreignStillCarrying);
        m.put("foreignOtherPropertiesLost", foreignLostLoyalty);
        m.put("ok", SystemUnderTest.LIST_NAME.equals(name) && emails.size() == listed - d.profileGone() && foreignListed == 0
                && foreignStillCarrying == 0 && foreignLostLoyalty == 0);
        return m;
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
