package com.nosto.klaviyo.bench;

import static com.nosto.klaviyo.bench.Figures.figure;
import static com.nosto.klaviyo.bench.Figures.ratio;

import java.util.Map;

/**
 * Figure 9, "figure 1 against the right floor": figure 1's pipeline rate (segment-events → released SyncBatches)
 * against the Kafka-only two-hop relay of the same records at rest, batched as the services batch, measured in the
 * same run by {@link ThroughputFigure} ({@link KafkaOnlyPipeline}). Target ≥ 0.10. It carries figure 1's CPU per
 * event by part, which says where the missing rate goes.
 */
final class KafkaFloorFigure {

    static final double TARGET = 0.10;

    private KafkaFloorFigure() {
    }

    /** Figure 9 from figure 1's report (the map {@link ThroughputFigure#run} returns). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> of(Map<String, Object> throughput) {
        double pipeline = ((Number) throughput.get("value")).doubleValue();
        double relay = ((Number) throughput.get("kafkaOnlyPipelinePerSecond")).doubleValue();
        Map<String, Object> f = figure("events/s from segment-events to released SyncBatches (figure 1)", pipeline,
                "events/s of the same records relayed through two Kafka hops with no work, batched as the services batch"
                        + " (same run)", relay, ">= 0.10");
        double r = ratio(pipeline, relay);
        f.put("met", r >= TARGET);
        f.put("events", throughput.get("events"));
        f.put("ratioToBareConsumer", throughput.get("ratio"));
        Map<String, Object> cpu = (Map<String, Object>) throughput.get("cpuProfile");
        f.put("cpuMsPerEventByPart", cpu.get("cpuMsPerUnit"));
        f.put("pipelineCpuMsPerEvent", cpu.get("pipelineCpuMsPerUnit"));
        f.put("cpuBoundCeilingPerSecond", cpu.get("cpuBoundCeilingPerSecond"));
        f.put("pipelineJitCpuMsPerEvent", cpu.get("pipelineJitCpuMsPerUnit"));
        f.put("pipelineCpuMsPerEventWithoutJit", cpu.get("pipelineCpuMsPerUnitWithoutJit"));
        f.put("cpuBoundCeilingWithoutJitPerSecond", cpu.get("cpuBoundCeilingWithoutJitPerSecond"));
        f.put("machineBusyShare", cpu.get("machineBusyShare"));
        Map<String, Object> relays = (Map<String, Object>) throughput.get("kafkaOnlyPipeline");
        Object services = relays == null ? null : relays.get("services");
        if (services instanceof Map<?, ?> s) {
            f.put("kafkaOnlyCpuProfile", s.get("cpuProfile"));
        }
        return f;
    }
}
