package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Ports are never handed out twice in one JVM: the benchmark's figure 10 once started three second instances at once
 * and two of them were given the same management port; the one that lost the bind died while the harness read the
 * winner's health as its own.
 */
class PortsTest {

    @Test
    void portsAskedForFromManyThreadsAtOnceAreAllDistinct() {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<List<Integer>>> asks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                asks.add(CompletableFuture.supplyAsync(() -> {
                    List<Integer> mine = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        mine.add(Ports.free());
                    }
                    for (int p : Ports.free(3)) {
                        mine.add(p);
                    }
                    return mine;
                }, pool));
            }
            List<Integer> all = new ArrayList<>();
            asks.forEach(a -> all.addAll(a.join()));
            assertThat(all).hasSize(8 * 53).doesNotHaveDuplicates().allMatch(p -> p > 0 && p < 65536);
        } finally {
            pool.shutdown();
        }
    }
}
