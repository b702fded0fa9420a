package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.e2e.harness.KafkaTools;
import com.nosto.klaviyo.events.SegmentEvent;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** G9: kill -9 of each service at random moments while changes flow; Klaviyo still converges to the model. */
class CrashE2ETest extends E2ETestBase {

    private static final String[] SEGMENTS = {"whole-bean", "product-whole-bean", "vip"};

    @Test
    void killingEachServiceMidStreamLosesNothing() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        System.out.println("CrashE2ETest seed " + seed);
        connect();
        segment("whole-bean", "Category affinity: Whole_Bean", true);
        segment("product-whole-bean", "Product affinity: Whole_Bean", true);
        segment("vip", "VIP", true);

        try (KafkaTools kafka = new KafkaTools(system.kafkaBootstrapServers())) {
            List<SegmentEvent> stream = new java.util.ArrayList<>();
            for (int i = 0; i < 600; i++) {
                String email = "crash" + random.nextInt(80) + "@example.com";
                int kind = random.nextInt(10);
                String segment = SEGMENTS[random.nextInt(SEGMENTS.length)];
                stream.add(stampForKafka(kind == 0 ? deleted(email) : kind < 6 ? entered(email, segment) : exited(email, segment)));
            }
            stream.forEach(model::apply);
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
                for (SegmentEvent e : stream) {
                    kafka.publish(e);
                    sleepMillis(30);
                }
                kafka.flush();
            });
            for (String service : List.of("segment-service", "sync-worker", "klaviyo-gateway")) {
                sleepMillis(1000 + random.nextInt(3000));
                api.flush(account);
                system.crashAndRestart(service);
            }
            publishing.get(120, TimeUnit.SECONDS);
        }
        flushAndAwaitConverged();
        assertThat(system.profileCounts(klaviyoKey)).allSatisfy((email, n) -> assertThat(n).isEqualTo(1));
    }

    private static void sleepMillis(long ms) {
        // Pacing a producer and spacing kills is the point here, not waiting for an outcome.
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
