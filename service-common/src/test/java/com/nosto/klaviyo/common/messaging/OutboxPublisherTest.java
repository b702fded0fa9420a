package com.nosto.klaviyo.common.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OutboxPublisherTest {

    @Test
    void everyRowIsSentInOrderWithItsKeyAndAllAcknowledgedCount() {
        FakeEmitter emitter = new FakeEmitter(Set.of());
        int acked = OutboxPublisher.publish(emitter, List.of("a", "b", "c"), r -> "k-" + r, r -> "v-" + r, Duration.ofSeconds(1))
                .await().atMost(Duration.ofSeconds(5));
        assertThat(acked).isEqualTo(3);
        assertThat(emitter.sent).containsExactly("k-a=v-a", "k-b=v-b", "k-c=v-c");
    }

    @Test
    void onlyThePrefixBeforeTheFirstFailureCountsSoNoKeyGoesOutOfOrder() {
        FakeEmitter emitter = new FakeEmitter(Set.of("v-c"));
        int acked = OutboxPublisher.publish(emitter, List.of("a", "b", "c", "d", "e"), r -> "k", r -> "v-" + r,
                Duration.ofSeconds(1)).await().atMost(Duration.ofSeconds(5));
        // d and e were acknowledged but follow a failed row: they are sent again, after c, in the next round.
        assertThat(acked).isEqualTo(2);
    }

    @Test
    void aSendWithoutAnswerCountsAsNotAcknowledged() {
        FakeEmitter emitter = new FakeEmitter(Set.of());
        emitter.silent.add("v-b");
        int acked = OutboxPublisher.publish(emitter, List.of("a", "b"), r -> "k", r -> "v-" + r, Duration.ofMillis(100))
                .await().atMost(Duration.ofSeconds(5));
        assertThat(acked).isEqualTo(1);
    }

    /** Records what is sent; fails the payloads named, never answers the silent ones. */
    static final class FakeEmitter extends TestEmitter {
        final List<String> sent = new ArrayList<>();
        final Set<String> failing;
        final java.util.Set<String> silent = new java.util.HashSet<>();

        FakeEmitter(Set<String> failing) {
            this.failing = failing;
        }

        @Override
        Uni<Void> answer(String key, String payload) {
            sent.add(key + "=" + payload);
            if (silent.contains(payload)) {
                return Uni.createFrom().emitter(e -> { });
            }
            return failing.contains(payload) ? Uni.createFrom().failure(new RuntimeException("refused"))
                    : Uni.createFrom().voidItem();
        }
    }
}
