package com.nosto.klaviyo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuProfileTest {

    @Test
    void readsUserPlusSystemTicksEvenWhenTheCommandHoldsSpacesAndParentheses() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 40 0 777 0 0";
        assertThat(CpuProfile.parseStat(stat)).isEqualTo(1234 + 56);
    }

    @Test
    void machineBusyIsEverythingButIdleAndIoWait() {
        long[] m = CpuProfile.parseMachine("cpu  100 5 50 800 40 3 2 0 0 0");
        assertThat(m[1]).isEqualTo(1000);
        assertThat(m[0]).isEqualTo(1000 - 800 - 40);
    }

    @Test
    void profilesCpuPerEventAndTheCeilingItPutsOnTheRate() {
        // 20 s of segment-service CPU and 10 s of PostgreSQL for 10,000 events: 3 ms per event in the pipeline,
        // so two cores can do at most 666.7 events/s; the benchmark's own CPU is not part of the pipeline.
        CpuProfile.Sample a = new CpuProfile.Sample(Map.of("segment-service", 100L, CpuProfile.POSTGRES, 0L, CpuProfile.SELF, 0L),
                0, 0, 0);
        CpuProfile.Sample b = new CpuProfile.Sample(Map.of("segment-service", 2_100L, CpuProfile.POSTGRES, 1_000L, CpuProfile.SELF, 500L),
                1_500, 2_000, 30_000_000_000L);
        Map<String, Object> p = CpuProfile.between(a, b, 10_000, List.of("segment-service", CpuProfile.POSTGRES), 2);
        assertThat(p.get("pipelineCpuMsPerUnit")).isEqualTo(3.0);
        assertThat(p.get("cpuBoundCeilingPerSecond")).isEqualTo(666.667);
        assertThat(p.get("machineBusyShare")).isEqualTo(0.75);
        assertThat(((Map<?, ?>) p.get("cpuMsPerUnit")).get(CpuProfile.SELF)).isEqualTo(0.5);
        assertThat(CpuProfile.selfSeconds(a, b)).isEqualTo(5.0);
    }

    @Test
    void theServicesJitCompilersAreSplitOut() {
        // Of segment-service's 20 s, 8 s were its JIT compiler's: 2.2 ms per event without it, 909.1 events/s.
        CpuProfile.Sample a = new CpuProfile.Sample(Map.of("segment-service", 0L, "segment-service" + CpuProfile.JIT, 0L,
                CpuProfile.POSTGRES, 0L), 0, 0, 0);
        CpuProfile.Sample b = new CpuProfile.Sample(Map.of("segment-service", 2_000L, "segment-service" + CpuProfile.JIT, 800L,
                CpuProfile.POSTGRES, 1_000L), 0, 0, 1);
        Map<String, Object> p = CpuProfile.between(a, b, 10_000, List.of("segment-service", CpuProfile.POSTGRES), 2);
        assertThat(p.get("pipelineCpuMsPerUnit")).isEqualTo(3.0);
        assertThat(p.get("pipelineJitCpuMsPerUnit")).isEqualTo(0.8);
        assertThat(p.get("pipelineCpuMsPerUnitWithoutJit")).isEqualTo(2.2);
        assertThat(p.get("cpuBoundCeilingWithoutJitPerSecond")).isEqualTo(909.091);
    }

    @Test
    void aRunningJvmHasCompilerThreadsWithTicks() {
        // This JVM compiled something by the time its tests run (the JIT compiles hot methods within milliseconds).
        assertThat(CpuProfile.compilerTicks(ProcessHandle.current().pid())).isPositive();
        assertThat(CpuProfile.compilerTicks(ProcessHandle.current().pid()))
                .isLessThanOrEqualTo(CpuProfile.ticks(ProcessHandle.current().pid()));
    }

    @Test
    void thisProcessHasTicksAndAMachineLine() {
        CpuProfile.Sample s = CpuProfile.sample(Map.of("me", ProcessHandle.current().pid()));
        // The same process read twice, the second time later: a JVM that ran this test has used some CPU.
        assertThat(s.ticks().get("me")).isPositive().isLessThanOrEqualTo(s.ticks().get(CpuProfile.SELF));
        assertThat(s.machineTotal()).isGreaterThan(0L);
    }
}
