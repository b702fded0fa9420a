package com.nosto.klaviyo.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Where the CPU goes during a phase: the processor time (user + system, from {@code /proc/<pid>/stat}) each part of
 * the system spent between two samples, and the machine's busy share from {@code /proc/stat}. The services are known
 * by pid; the broker is the {@code kafka.Kafka} process test-support started for this JVM (it detaches, but carries
 * {@code KAFKA_PARENT_PID} = this pid; none when the broker is external); PostgreSQL is every process
 * called {@code postgres} (all backends, including other users' sessions on a shared server). Linux only; elsewhere
 * the samples are empty and the profile says so.
 */
final class CpuProfile {

    static final String BROKER = "kafka broker";
    static final String POSTGRES = "postgresql";
    static final String SELF = "benchmark JVM";
    /** Appended to a service's name: the part of its CPU its JIT compiler threads spent (C1/C2), from its threads' stat. */
    static final String JIT = " JIT compiler";

    /** CPU ticks per component, and the machine's busy and total ticks (all cores), at one instant. */
    record Sample(Map<String, Long> ticks, long machineBusy, long machineTotal, long nanos) {
    }

    private static final long HZ = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

    private CpuProfile() {
    }

    /** @param services component name -> pid of each service process */
    static Sample sample(Map<String, Long> services) {
        Map<String, Long> ticks = new TreeMap<>();
        services.forEach((name, pid) -> ticks.merge(name, ticks(pid), Long::sum));
        ticks.put(BROKER, brokerTicks());
        ticks.put(POSTGRES, postgresTicks());
        ticks.put(SELF, ticks(ProcessHandle.current().pid()));
        long[] machine = machine();
        return new Sample(ticks, machine[0], machine[1], System.nanoTime());
    }

    /**
     * Like {@link #sample} for services running as several processes: each service's CPU is the sum over its
     * instances; with more than one instance, each instance's own CPU is there too, as {@code <service>#<n>}
     * ({@code n} from 1), so a profile shows that every instance did work.
     *
     * @param services component name -> pids of its instances
     */
    static Sample sampleInstances(Map<String, List<Long>> services) {
        Map<String, Long> ticks = new TreeMap<>();
        services.forEach((name, pids) -> {
            long sum = 0;
            long jit = 0;
            for (int i = 0; i < pids.size(); i++) {
                long t = ticks(pids.get(i));
                sum += t;
                jit += compilerTicks(pids.get(i));
                if (pids.size() > 1) {
                    ticks.put(instanceName(name, i), t);
                }
            }
            ticks.put(name, sum);
            ticks.put(name + JIT, jit);
        });
        ticks.put(BROKER, brokerTicks());
        ticks.put(POSTGRES, postgresTicks());
        ticks.put(SELF, ticks(ProcessHandle.current().pid()));
        long[] machine = machine();
        return new Sample(ticks, machine[0], machine[1], System.nanoTime());
    }

    /** The key of instance {@code index} (from 0) of a service in {@link #sampleInstances}. */
    static String instanceName(String service, int index) {
        return service + "#" + (index + 1);
    }

    /**
     * The profile between two samples: CPU seconds and milliseconds per unit of work ({@code units}, e.g. events) of
     * each component, the machine's busy share, and the ceiling the measured CPU cost puts on the rate with
     * {@code cores} processors: cores / (CPU per unit of the components in {@code pipeline}).
     */
    static Map<String, Object> between(Sample a, Sample b, long units, List<String> pipeline, int cores) {
        Map<String, Object> out = new LinkedHashMap<>();
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        out.put("intervalSeconds", Figures.round(seconds));
        out.put("units", units);
        Map<String, Double> cpu = new LinkedHashMap<>();
        Map<String, Double> perUnit = new LinkedHashMap<>();
        double pipelineMsPerUnit = 0;
        for (String name : b.ticks().keySet()) {
            long used = b.ticks().get(name) - a.ticks().getOrDefault(name, 0L);
            double s = (double) Math.max(0, used) / HZ;
            cpu.put(name, Figures.round(s));
            double ms = units == 0 ? 0 : s * 1000 / units;
            perUnit.put(name, Figures.round(ms));
            if (pipeline.contains(name)) {
                pipelineMsPerUnit += ms;
            }
        }
        out.put("cpuSeconds", cpu);
        out.put("cpuMsPerUnit", perUnit);
        out.put("pipelineComponents", pipeline);
        out.put("pipelineCpuMsPerUnit", Figures.round(pipelineMsPerUnit));
        out.put("cores", cores);
        out.put("cpuBoundCeilingPerSecond", pipelineMsPerUnit == 0 ? null : Figures.round(cores * 1000.0 / pipelineMsPerUnit));
        // A freshly started service spends much of a phase compiling (warm-up, not work per unit): the same without it.
        double jitMsPerUnit = 0;
        for (String name : pipeline) {
            jitMsPerUnit += perUnit.getOrDefault(name + JIT, 0.0);
        }
        if (jitMsPerUnit > 0) {
            double warm = pipelineMsPerUnit - jitMsPerUnit;
            out.put("pipelineJitCpuMsPerUnit", Figures.round(jitMsPerUnit));
            out.put("pipelineCpuMsPerUnitWithoutJit", Figures.round(warm));
            out.put("cpuBoundCeilingWithoutJitPerSecond", warm <= 0 ? null : Figures.round(cores * 1000.0 / warm));
        }
        long total = b.machineTotal() - a.machineTotal();
        out.put("machineBusyShare", total <= 0 ? null : Figures.round((double) (b.machineBusy() - a.machineBusy()) / total));
        return out;
    }

    /** CPU seconds this JVM used between two of its own samples (the bare consumer's cost). */
    static double selfSeconds(Sample a, Sample b) {
        return (double) (b.ticks().get(SELF) - a.ticks().get(SELF)) / HZ;
    }

    /** utime + stime of a process, in ticks; 0 when it is gone or unreadable. */
    static long ticks(long pid) {
        try {
            return parseStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** utime + stime of a JVM's JIT compiler threads ({@code C1 CompilerThre…}, {@code C2 CompilerThre…}), in ticks. */
    static long compilerTicks(long pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.mapToLong(t -> {
                try {
                    String name = Files.readString(t.resolve("comm")).trim();
                    return name.matches("C[12] CompilerThre.*") ? parseStat(Files.readString(t.resolve("stat"))) : 0;
                } catch (IOException | RuntimeException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** utime + stime from a {@code /proc/<pid>/stat} line (the command, field 2, may hold spaces and parentheses). */
    static long parseStat(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // f[0] is field 3 (state); utime and stime are fields 14 and 15.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long postgresTicks() {
        return sumOver(p -> {
            String stat = Files.readString(p.resolve("stat"));
            return stat.contains("(postgres)") ? parseStat(stat) : 0;
        });
    }

    private static long brokerTicks() {
        String parent = "KAFKA_PARENT_PID=" + ProcessHandle.current().pid();
        return sumOver(p -> {
            String cmd = latin1(p.resolve("cmdline"));
            if (!cmd.contains("kafka.Kafka")) {
                return 0;
            }
            String env = latin1(p.resolve("environ"));
            return List.of(env.split("\u0000")).contains(parent) ? parseStat(Files.readString(p.resolve("stat"))) : 0;
        });
    }

    /** Any bytes decode as ISO-8859-1 (environ and cmdline need not be UTF-8). */
    private static String latin1(Path file) throws IOException {
        return new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private interface ProcTicks {
        long of(Path proc) throws IOException;
    }

    /** Sums {@code f} over every process in /proc; a process that is gone or unreadable counts 0. */
    private static long sumOver(ProcTicks f) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .mapToLong(p -> {
                        try {
                            return f.of(p);
                        } catch (IOException | RuntimeException e) {
                            return 0;
                        }
                    }).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** {busy, total} ticks of all cores from the first line of /proc/stat; zeros when unreadable. */
    static long[] machine() {
        try {
            return parseMachine(Files.readAllLines(Path.of("/proc/stat")).get(0));
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    static long[] parseMachine(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }
}
