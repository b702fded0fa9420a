package com.nosto.klaviyo.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Figure 9 as derived from figure 1's report, and figure 10's order of runs. */
class KafkaFloorFigureTest {

    @AfterEach
    void clearOrder() {
        System.clearProperty(ReplicasFigure.ORDER_PROPERTY);
    }

    private static Map<String, Object> throughput(double pipeline, double relay) {
        return Map.of("value", pipeline, "ratio", 0.01, "events", 1000L, "kafkaOnlyPipelinePerSecond", relay,
                "cpuProfile", Map.of("cpuMsPerUnit", Map.of("segment-service", 0.07, "postgresql", 0.09),
                        "pipelineCpuMsPerUnit", 0.2, "cpuBoundCeilingPerSecond", 10_000.0, "machineBusyShare", 0.9),
                "kafkaOnlyPipeline", Map.of("services", Map.of("cpuProfile", Map.of("pipelineCpuMsPerUnit", 0.03))));
    }

    @Test
    void ratioToTheKafkaOnlyRelayWithFigureOnesCpuByPart() {
        Map<String, Object> f = KafkaFloorFigure.of(throughput(6_000, 60_000));
        assertThat(f.get("ratio")).isEqualTo(0.1);
        assertThat(f.get("met")).isEqualTo(true);
        assertThat(f.get("target")).isEqualTo(">= 0.10");
        assertThat(f.get("limit")).isEqualTo(60_000.0);
        assertThat(f.get("cpuMsPerEventByPart")).isEqualTo(Map.of("segment-service", 0.07, "postgresql", 0.09));
        assertThat(f.get("pipelineCpuMsPerEvent")).isEqualTo(0.2);
        assertThat(f.get("kafkaOnlyCpuProfile")).isEqualTo(Map.of("pipelineCpuMsPerUnit", 0.03));

        Map<String, Object> missed = KafkaFloorFigure.of(throughput(3_000, 60_000));
        assertThat(missed.get("ratio")).isEqualTo(0.05);
        assertThat(missed.get("met")).isEqualTo(false);
    }

    @Test
    void replicasOrderDefaultsToOneThenTwoAndNeedsBoth() {
        assertThat(Benchmark.Part.named("replicas")).isEqualTo(Benchmark.Part.REPLICAS);
        assertThat(ReplicasFigure.order()).containsExactly(1, 2);
        System.setProperty(ReplicasFigure.ORDER_PROPERTY, "1,2,2,1");
        assertThat(ReplicasFigure.order()).containsExactly(1, 2, 2, 1);
        System.setProperty(ReplicasFigure.ORDER_PROPERTY, "2,2");
        assertThatThrownBy(ReplicasFigure::order).isInstanceOf(IllegalArgumentException.class);
        System.setProperty(ReplicasFigure.ORDER_PROPERTY, "1,3");
        assertThatThrownBy(ReplicasFigure::order).isInstanceOf(IllegalArgumentException.class);
    }
}
