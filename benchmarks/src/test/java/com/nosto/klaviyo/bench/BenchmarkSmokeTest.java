package com.nosto.klaviyo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmark at a tiny size, so it cannot rot: the whole system runs, every figure is produced and sane (figures 7
 * and 8 at 5 accounts of 5 contacts beside one of 1,000, a 500-member first enable, and the audit figure's drift
 * of 1 % of the window's 1,200 listed members; figure 10 runs figures 1 and 7 once with one and once with two instances
 * of every service).
 * Sizes are far too small for the ratios to mean anything about performance (docs/performance.md has the real run).
 */
class BenchmarkSmokeTest {

    @Test
    void tinyRunProducesEveryFigure() throws Exception {
        // Rate limits ×10: the smoke run checks the machinery, not the pacing, and must stay short.
        Sizes tiny = Sizes.named("tiny").withEvents(400).withMemory(100, 500).withRateScale(10);
        Map<String, Object> report = new Benchmark(tiny, Duration.ofMinutes(6)).run();
        Path out = ProjectRoot.find().resolve("benchmarks/target/smoke-report.json");
        BenchmarkMain.write(report, out);

        JsonNode figures = EventJson.mapper().readTree(Files.readString(out)).path("figures");
        assertThat(figures.fieldNames()).toIterable()
                .containsExactly("writeEfficiency", "timeToApply", "freshness", "gatewayHeap", "accounts", "firstEnable", "throughput",
                        "throughputVsKafkaOnly", "memory", "replay", "replicas", "auditTime", "auditRepairWrites");
        assertThat(figures.path("replay").path("value").asLong()).as("Klaviyo writes caused by a replay").isZero();
        assertThat(figures.path("writeEfficiency").path("limit").asLong()).isEqualTo(
                Limits.minimumWrites(tiny.entering(), tiny.moving(), tiny.leaving(), tiny.deleted(), new Limits.Caps(100, 10, 1)));
        // A count of calls, not a time: the gateway plans a window once however many SyncBatches carry it, so the
        // window costs the minimum (one split window, if sync-worker paused past the quiet period, adds <= 3 calls).
        assertThat(figures.path("writeEfficiency").path("ratio").asDouble()).as("write calls / minimum")
                .isPositive().isLessThanOrEqualTo(1.1);
        assertThat(figures.path("timeToApply").path("unanswered429").asLong()).isZero();
        assertThat(figures.path("throughput").path("value").asDouble()).isPositive();
        assertThat(figures.path("throughput").path("limit").asDouble()).isPositive();
        // The profile of figure 1: the services did the work (CPU spent), so the ceiling it implies is finite.
        JsonNode cpu = figures.path("throughput").path("cpuProfile");
        assertThat(cpu.path("cpuSeconds").path("segment-service").asDouble()).as("segment-service CPU").isPositive();
        assertThat(cpu.path("pipelineCpuMsPerUnit").asDouble()).isPositive();
        assertThat(cpu.path("cpuBoundCeilingPerSecond").asDouble()).isPositive();
        // The second reference: the same records went through two Kafka hops with no work (the relay checks it copied
        // every record on both), batched as the services batch and in large batches; its cost is the relay's (this JVM).
        JsonNode throughput = figures.path("throughput");
        assertThat(throughput.path("kafkaOnlyPipelinePerSecond").asDouble()).isPositive();
        assertThat(throughput.path("ratioToKafkaOnlyPipeline").asDouble()).isPositive();
        assertThat(throughput.path("kafkaOnlyPipeline").fieldNames()).toIterable().containsExactly("services", "large");
        for (JsonNode relay : throughput.path("kafkaOnlyPipeline")) {
            assertThat(relay.path("perSecond").asDouble()).isPositive();
            assertThat(relay.path("cpuProfile").path("pipelineComponents")).extracting(JsonNode::asText)
                    .containsExactly(CpuProfile.SELF, CpuProfile.BROKER);
            assertThat(relay.path("cpuProfile").path("cpuSeconds").path(CpuProfile.SELF).asDouble()).as("the relay's CPU").isPositive();
        }
        // Figure 9's reference is the median of three runs of the services' batching.
        JsonNode services = throughput.path("kafkaOnlyPipeline").path("services");
        List<Double> runs = new java.util.ArrayList<>();
        services.path("perSecondRuns").forEach(r -> runs.add(r.asDouble()));
        assertThat(runs).hasSize(ThroughputFigure.REFERENCE_RUNS).allSatisfy(r -> assertThat(r).isPositive());
        assertThat(services.path("perSecond").asDouble()).as("the median run").isEqualTo(runs.stream().sorted().toList().get(1));
        // Figure 9: figure 1 over the Kafka-only relay of the same run, a figure of its own with figure 1's CPU by part.
        JsonNode floor = figures.path("throughputVsKafkaOnly");
        // The restarted segment-service compiled while it ingested: the JIT's share is split out, and less than the whole.
        assertThat(floor.path("pipelineJitCpuMsPerEvent").asDouble()).as("JIT compilers' CPU per event").isPositive();
        assertThat(floor.path("pipelineCpuMsPerEventWithoutJit").asDouble())
                .isLessThan(floor.path("pipelineCpuMsPerEvent").asDouble());
        assertThat(floor.path("ratio").isNumber()).as("figure 9's ratio").isTrue();
        assertThat(floor.path("ratio").asDouble()).as("figure 9's ratio").isPositive().isFinite();
        assertThat(floor.path("value").asDouble()).isEqualTo(throughput.path("value").asDouble());
        assertThat(floor.path("limit").asDouble()).isEqualTo(throughput.path("kafkaOnlyPipelinePerSecond").asDouble());
        assertThat(floor.path("target").asText()).isEqualTo(">= 0.10");
        assertThat(floor.path("met").isBoolean()).isTrue();
        assertThat(floor.path("cpuMsPerEventByPart").path("segment-service").asDouble()).isPositive();
        assertThat(floor.path("pipelineCpuMsPerEvent").asDouble()).isPositive();
        // ... and PostgreSQL's side of it: the services' tables were written, in commits that wrote WAL.
        JsonNode pg = figures.path("throughput").path("postgresProfile");
        assertThat(pg.path("rowsWrittenPerUnit").asDouble()).as("rows written per event").isPositive();
        assertThat(pg.path("commitsPerUnit").asDouble()).isPositive();
        assertThat(pg.path("walBytesPerUnit").asDouble()).isPositive();
        assertThat(pg.path("byTable").fieldNames()).toIterable().anyMatch(name -> name.startsWith("segment_service."))
                .anyMatch(name -> name.startsWith("sync_worker."));
        // The window's limit counts the lookups of the bulk-imported leaving contacts' ids: never below the ids-known one.
        assertThat(figures.path("timeToApply").path("limit").asDouble())
                .isGreaterThanOrEqualTo(figures.path("timeToApply").path("limitSecondsIfIdsWereKnown").asDouble());
        assertThat(figures.path("memory").path("value").asLong()).isPositive();
        assertThat(figures.path("memory").path("limit").asLong()).isPositive();
        assertThat(figures.path("freshness").path("value").asDouble()).isNotNegative();
        // The gateway's heap around the window was read from its metrics (-1 when unreadable).
        JsonNode gatewayHeap = figures.path("gatewayHeap");
        assertThat(gatewayHeap.path("contacts").asLong()).isPositive();
        assertThat(gatewayHeap.path("idleLiveHeapBytes").asLong()).isPositive();
        assertThat(gatewayHeap.path("peakHeapBytes").asLong()).isGreaterThanOrEqualTo(gatewayHeap.path("idleLiveHeapBytes").asLong());
        assertThat(gatewayHeap.path("jvm").asText()).isEqualTo(String.join(" ", Benchmark.GATEWAY_JVM));

        // Figure A, the machinery only: the window's 1,200 listed members audited clean without a write; the drift made
        // in the emulator reported exactly by a dry run that writes nothing; the repair within 1.1 x the minimum writes
        // and Klaviyo converged; a second audit clean and without a write.
        JsonNode audit = figures.path("auditTime");
        assertThat(audit.path("listedMembers").asInt()).isEqualTo(tiny.entering() + tiny.moving());
        assertThat(audit.path("cleanAuditFoundNoDriftAndWroteNothing").asBoolean()).isTrue();
        assertThat(audit.path("value").asDouble()).isPositive();
        assertThat(audit.path("limit").isNumber()).isTrue();
        JsonNode repair = figures.path("auditRepairWrites");
        AuditDrift injected = AuditDrift.onePercentOf(tiny.entering() + tiny.moving());
        assertThat(repair.path("dryRun").path("drift").path("MISSING").asInt()).isEqualTo(injected.missing());
        assertThat(repair.path("dryRunReportedExactly").asBoolean()).as("dry run: %s", repair.path("dryRun").path("drift")).isTrue();
        assertThat(repair.path("dryRunWriteCalls").asLong()).isZero();
        assertThat(repair.path("limit").asLong()).isEqualTo(Limits.minimumRepairWrites(injected.repairDrift(), tiny.caps()));
        assertThat(repair.path("ratio").asDouble()).as("repair writes / minimum").isPositive().isLessThanOrEqualTo(1.1);
        assertThat(repair.path("converged").path("ok").asBoolean()).as("converged: %s", repair.path("converged")).isTrue();
        assertThat(repair.path("secondAuditFoundNoDriftAndWroteNothing").asBoolean()).isTrue();
        assertThat(repair.path("met").asBoolean()).isTrue();

        // Figure 7, the machinery only: every small account and the large one converged in the emulator (a warm-up
        // contact, then a window alone and one with the large account), and the ratios are computed and finite.
        JsonNode accounts = figures.path("accounts");
        int per = tiny.accountContacts();
        assertThat(accounts.path("smallAccountsConverged").asInt()).isEqualTo(tiny.accounts());
        assertThat(accounts.path("contactsInKlaviyo").asLong()).as("small accounts' list members")
                .isEqualTo((long) tiny.accounts() * (1 + 2 * per));
        assertThat(accounts.path("alone").path("accountsConverged").asInt()).isEqualTo(tiny.accounts());
        assertThat(accounts.path("withLarge").path("largeAccountListMembers").asInt()).isEqualTo(1 + tiny.largeAccount());
        assertThat(accounts.path("withLarge").path("contacts").asLong()).isEqualTo((long) tiny.accounts() * per + tiny.largeAccount());
        for (String field : java.util.List.of("ratio", "p50Ratio", "p99Alone", "p99WithLarge", "accountsAppliedPerMinute")) {
            assertThat(accounts.path(field).isNumber()).as(field).isTrue();
            assertThat(accounts.path(field).asDouble()).as(field).isPositive().isFinite();
        }
        assertThat(accounts.path("gatewayCpuMsPerContact").asDouble()).as("the gateway's CPU per contact").isPositive().isFinite();
        assertThat(accounts.path("met").isBoolean()).isTrue();

        // Figure 8, the machinery only: every member reached Klaviyo through one released first-enable window, the
        // pipeline's and Klaviyo's parts and the limit were measured, and each service's peak heap was sampled.
        JsonNode firstEnable = figures.path("firstEnable");
        assertThat(firstEnable.path("members").asInt()).isEqualTo(tiny.firstEnable());
        assertThat(firstEnable.path("pendingContactsReleased").asLong()).isEqualTo(tiny.firstEnable());
        assertThat(firstEnable.path("membersInKlaviyo").asInt()).isEqualTo(tiny.firstEnable());
        assertThat(firstEnable.path("syncBatches").asLong()).isPositive();
        assertThat(firstEnable.path("limit").asDouble()).isPositive();
        assertThat(firstEnable.path("value").asDouble()).isPositive();
        assertThat(firstEnable.path("ratio").asDouble()).isPositive().isFinite();
        assertThat(firstEnable.path("klaviyoSeconds").asDouble()).isNotNegative().isFinite();
        assertThat(firstEnable.path("klaviyoRatioToLimit").asDouble()).isNotNegative().isFinite();
        // ... and against Klaviyo's limits as published: faster limits than the run's (rate scale above 1, as here) give
        // the longer limit, slower ones (full size: 0.1) the shorter.
        double published = firstEnable.path("limitAtPublishedRatesSeconds").asDouble();
        double rateScale = firstEnable.path("rateScale").asDouble();
        assertThat(rateScale).isPositive();
        if (rateScale >= 1) {
            assertThat(published).isGreaterThanOrEqualTo(firstEnable.path("limit").asDouble());
        } else {
            assertThat(published).isPositive().isLessThanOrEqualTo(firstEnable.path("limit").asDouble());
        }
        assertThat(firstEnable.path("ratioAtPublishedRates").asDouble())
                .isCloseTo(firstEnable.path("value").asDouble() / published, org.assertj.core.data.Percentage.withPercentage(2));
        assertThat(firstEnable.path("metAtPublishedRates").isBoolean()).isTrue();
        assertThat(firstEnable.path("unanswered429").asLong()).isZero();
        assertThat(firstEnable.path("peakHeapBytes").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("segment-service", "sync-worker", "klaviyo-gateway");
        firstEnable.path("peakHeapBytes").forEach(peak -> assertThat(peak.asLong()).isPositive());

        // Figure 10, the machinery only: figures 1 and 7 ran with one and then with two instances of every service, every
        // run was correct (figure 1: every event processed, nothing pending, the same end state in sync-worker's ledger;
        // figure 7: every account converged in the emulator), and the second instances worked: segment-service's and
        // sync-worker's counted records, and every second instance (the gateway's too) spent CPU in the measured phases.
        JsonNode replicas = figures.path("replicas");
        assertThat(replicas.path("order")).extracting(JsonNode::asInt).containsExactly(1, 2);
        assertThat(replicas.path("allRunsCorrect").asBoolean()).isTrue();
        assertThat(replicas.path("throughputEndStateEqual").asBoolean()).as("same ledger digest with 1 and 2 instances").isTrue();
        for (String field : java.util.List.of("ratio", "throughputRatio", "throughputRatioRelativeToKafkaOnly", "accountsRatio",
                "accountsP99InvertedRatio")) {
            assertThat(replicas.path(field).isNumber()).as(field).isTrue();
            assertThat(replicas.path(field).asDouble()).as(field).isPositive().isFinite();
        }
        assertThat(replicas.path("met").isBoolean()).isTrue();
        for (JsonNode run : replicas.path("runs")) {
            assertThat(run.path("correct").asBoolean()).as("run with %s instance(s)", run.path("instances").asInt()).isTrue();
            assertThat(run.path("smallAccountsConverged").asInt()).isEqualTo(tiny.accounts());
            assertThat(run.path("largeAccountListMembers").asInt()).isEqualTo(1 + tiny.largeAccount());
            assertThat(run.path("throughputLedger").path("contacts").asLong()).isPositive();
            assertThat(run.path("throughputLedger").path("pending").asLong()).isZero();
        }
        JsonNode two = replicas.path("runs").path(1);
        assertThat(two.path("instances").asInt()).isEqualTo(2);
        assertThat(two.path("instanceWork").fieldNames()).toIterable().containsExactlyInAnyOrder("segment-service",
                "segment-service-2", "sync-worker", "sync-worker-2", "klaviyo-gateway", "klaviyo-gateway-2");
        for (String instance : java.util.List.of("segment-service", "segment-service-2")) {
            assertThat(sum(two.path("instanceWork").path(instance), "segment_events_total")).as(instance + " events").isPositive();
        }
        for (String instance : java.util.List.of("sync-worker", "sync-worker-2")) {
            assertThat(sum(two.path("instanceWork").path(instance), "sync_worker_changes_in_total")).as(instance + " changes").isPositive();
        }
        for (String instance : java.util.List.of("segment-service#1", "segment-service#2", "sync-worker#1", "sync-worker#2")) {
            assertThat(two.path("throughputCpuProfile").path(instance).asDouble()).as(instance + " CPU in figure 1").isPositive();
        }
        for (String instance : java.util.List.of("klaviyo-gateway#1", "klaviyo-gateway#2")) {
            assertThat(two.path("accountsCpuSeconds").path(instance).asDouble()).as(instance + " CPU in figure 7").isPositive();
        }
    }

    /** The sum of an instance's counters whose series name starts with {@code prefix}. */
    private static double sum(JsonNode counters, String prefix) {
        double sum = 0;
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = counters.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            sum += e.getKey().startsWith(prefix) ? e.getValue().asDouble() : 0;
        }
        return sum;
    }
}
