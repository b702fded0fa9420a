package com.nosto.klaviyo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code benchmarks/run [--scale full|small|tiny] [--events N] [--memory SMALL,LARGE] [--accounts N,CONTACTS,LARGE]
 * [--first-enable MEMBERS] [--rate-scale X]
 * [--timeout-minutes M] [--out FILE] [--only window,accounts,first-enable,throughput,memory,replay,replicas,audit]
 * [--memory-feed events|changes] [--replicas-order 1,2,2,1]}:
 * runs the benchmark (all parts unless {@code --only}; replay and audit need window), prints the report and writes it as
 * JSON (default benchmarks/target/report.json). {@code throughput} reports figures 1 and 9; {@code replicas} is figure 10
 * (figures 1 and 7 with one and with two instances of every service, in the order {@code --replicas-order}, default
 * {@code 1,2}); {@code audit} is figure A.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {
    }

    public static void main(String[] args) throws IOException {
        Sizes sizes = Sizes.small();
        Duration timeout = Duration.ofMinutes(30);
        Path out = ProjectRoot.find().resolve("benchmarks/target/report.json");
        Set<Benchmark.Part> parts = EnumSet.allOf(Benchmark.Part.class);
        Benchmark.MemoryFeed feed = Benchmark.MemoryFeed.EVENTS;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--scale" -> { sizes = Sizes.named(v); i++; }
                case "--events" -> { sizes = sizes.withEvents(Integer.parseInt(v)); i++; }
                case "--memory" -> {
                    String[] p = v.split(",");
                    sizes = sizes.withMemory(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
                    i++;
                }
                case "--accounts" -> {
                    String[] p = v.split(",");
                    sizes = sizes.withAccounts(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
                    i++;
                }
                case "--first-enable" -> { sizes = sizes.withFirstEnable(Integer.parseInt(v)); i++; }
                case "--rate-scale" -> { sizes = sizes.withRateScale(Double.parseDouble(v)); i++; }
                case "--timeout-minutes" -> { timeout = Duration.ofMinutes(Long.parseLong(v)); i++; }
                case "--out" -> { out = Path.of(v); i++; }
                case "--only" -> {
                    parts = EnumSet.noneOf(Benchmark.Part.class);
                    for (String p : v.split(",")) {
                        parts.add(Benchmark.Part.named(p));
                    }
                    i++;
                }
                case "--memory-feed" -> { feed = Benchmark.MemoryFeed.valueOf(v.toUpperCase(Locale.ROOT)); i++; }
                case "--replicas-order" -> { System.setProperty(ReplicasFigure.ORDER_PROPERTY, v); ReplicasFigure.order(); i++; }
                case "-h", "--help" -> {
                    System.out.println("benchmarks/run [--scale full|small|tiny] [--events N] [--memory SMALL,LARGE] "
                            + "[--accounts N,CONTACTS,LARGE] [--first-enable MEMBERS]\n    [--rate-scale X] [--timeout-minutes M] [--out FILE]\n"
                            + "    [--only window,accounts,first-enable,throughput,memory,replay,replicas,audit] [--memory-feed events|changes]\n"
                            + "    [--replicas-order 1,2,2,1]\n"
                            + "  throughput: figures 1 and 9 (figure 1 against the Kafka-only two-hop relay, target >= 0.10)\n"
                            + "  replicas:   figure 10, figures 1 and 7 with 1 and with 2 instances of every service, runs in the order\n"
                            + "              of --replicas-order (default 1,2; 1,2,2,1 evens out the warm-machine bias); target >= 0.9\n"
                            + "  replay and audit need window (audit: the window's account audited clean, ~1 % drift made, dry run,"
                            + " repair, audit again)");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        // Stopped from outside (Ctrl-C, kill): stop the services this run started, which are not daemons of this JVM.
        // Only the services: the broker's own shutdown hook runs a stop script that must not be killed.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().map(c -> c.contains("quarkus-run.jar")).orElse(false))
                .forEach(ProcessHandle::destroy), "stop-services"));
        try {
            Map<String, Object> report = new Benchmark(sizes, timeout, parts, feed).run();
            write(report, out);
            System.out.println(summary(report));
            System.out.println("report: " + out);
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
        // Kafka and Vert.x leave non-daemon threads; the shutdown hooks stop the broker.
        System.exit(0);
    }

    static void write(Map<String, Object> report, Path out) throws IOException {
        ObjectMapper json = EventJson.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json.writeValueAsString(report) + "\n");
    }

    /** One line per figure: value, limit, ratio, target. */
    @SuppressWarnings("unchecked")
    static String summary(Map<String, Object> report) {
        StringBuilder b = new StringBuilder("\n=== benchmark report (" + ((Sizes) report.get("sizes")).name() + ") ===\n");
        Map<String, Object> figures = (Map<String, Object>) report.get("figures");
        figures.forEach((name, v) -> {
            Map<String, Object> f = (Map<String, Object>) v;
            b.append(String.format("%-16s value=%-12s limit=%-10s ratio=%-8s target=%-10s met=%s%n", name, f.get("value"),
                    f.getOrDefault("limit", "-"), f.getOrDefault("ratio", "-"), f.getOrDefault("target", "-"),
                    f.getOrDefault("met", "-")));
            if (f.containsKey("kafkaOnlyPipelinePerSecond")) {
                b.append(String.format("%-16s two Kafka hops, no work: %s/s (ratio to the bare consumer %s); the pipeline reaches %s of it%n",
                        "", f.get("kafkaOnlyPipelinePerSecond"), f.get("kafkaOnlyPipelineRatio"), f.get("ratioToKafkaOnlyPipeline")));
            }
            if ("throughputVsKafkaOnly".equals(name)) {
                b.append(String.format("%-16s fig. 9, figure 1 / the Kafka-only two-hop relay (same run): %s (target >= 0.10, met=%s);"
                                + " CPU ms/event by part %s; pipeline %s ms/event, of which the services' JIT compilers %s%n",
                        "", f.get("ratio"), f.get("met"), f.get("cpuMsPerEventByPart"), f.get("pipelineCpuMsPerEvent"),
                        f.get("pipelineJitCpuMsPerEvent")));
            }
            if ("replicas".equals(name)) {
                b.append(String.format("%-16s fig. 10, runs %s: figure 1 %s -> %s events/s (ratio %s, %s relative to the Kafka-only relay);"
                                + " figure 7 %s -> %s accounts/min (ratio %s; p99 inverted %s); target >= 0.9 each;"
                                + " correct %s, same end state %s, every second instance worked %s%n",
                        "", f.get("order"), f.get("limit"), f.get("value"), f.get("throughputRatio"),
                        f.get("throughputRatioRelativeToKafkaOnly"), f.get("accountsAppliedPerMinuteOne"),
                        f.get("accountsAppliedPerMinuteTwo"), f.get("accountsRatio"), f.get("accountsP99InvertedRatio"),
                        f.get("allRunsCorrect"), f.get("throughputEndStateEqual"), f.get("everySecondInstanceWorked")));
            }
            if ("accounts".equals(name)) {
                b.append(String.format("%-16s fig. 7, %s small accounts x %s contacts + one of %s: freshness p50 %s s alone, %s s with"
                                + " the large one (ratio %s); p99 %s s alone, %s s with it (ratio %s, target <= 1.2, met=%s);"
                                + " %s accounts applied/min; gateway CPU %s ms/contact; %s of %s small accounts converged%n",
                        "", f.get("smallAccounts"), f.get("contactsPerSmallAccount"), f.get("largeAccountContacts"),
                        f.get("p50Alone"), f.get("p50WithLarge"), f.get("p50Ratio"), f.get("p99Alone"), f.get("p99WithLarge"),
                        f.get("ratio"), f.get("met"), f.get("accountsAppliedPerMinute"), f.get("gatewayCpuMsPerContact"),
                        f.get("smallAccountsConverged"), f.get("smallAccounts")));
            }
            if ("auditRepairWrites".equals(name)) {
                Map<String, Object> converged = (Map<String, Object>) f.get("converged");
                b.append(String.format("%-16s fig. A, drift injected %s: dry run reported it exactly=%s with %s write calls; repair %s"
                                + " writes / minimum %s; second audit clean and without writes=%s; converged=%s%n",
                        "", f.get("injected"), f.get("dryRunReportedExactly"), f.get("dryRunWriteCalls"), f.get("value"),
                        f.get("limit"), f.get("secondAuditFoundNoDriftAndWroteNothing"), converged == null ? "-" : converged.get("ok")));
            }
            if ("firstEnable".equals(name)) {
                b.append(String.format("%-16s fig. 8, %s members: pipeline %s s (held %s s + release %s s) vs Klaviyo's limit %s s"
                                + " (ratio %s, target <= 0.5, met=%s); Klaviyo part %s s (%s x the limit); total %s s;"
                                + " %s members in Klaviyo; peak heap MB %s%n",
                        "", f.get("members"), f.get("value"), f.get("heldSeconds"), f.get("releaseSeconds"), f.get("limit"),
                        f.get("ratio"), f.get("met"), f.get("klaviyoSeconds"), f.get("klaviyoRatioToLimit"), f.get("totalSeconds"),
                        f.get("membersInKlaviyo"), f.get("peakHeapMb")));
            }
        });
        return b.toString();
    }
}
