package com.nosto.klaviyo.segment.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.repository.OutboxRepository;
import com.nosto.klaviyo.segment.service.SegmentMetrics;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two relays over one outbox (issue 18 point 2), as two replicas run them: the service's own and a second one built
 * like it, trying rounds as fast as it can. Changes are committed while both run; once the second has published, it
 * stops (a replica gone between two rounds) and the service's relay takes over the rest and what comes next. Every
 * change reaches the topic exactly once (3,000 records counted), and each contact's versions arrive in order.
 */
@QuarkusTest
class OutboxRelayTwoInstancesTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final int CONTACTS = 100;
    private static final int VERSIONS = 30;

    @Inject
    OutboxRelay relay;
    @Inject
    Pool pool;
    @Inject
    OutboxRepository outbox;
    @Inject
    @Channel(Channels.MEMBERSHIP_CHANGES_OUT)
    MutinyEmitter<String> emitter;
    @Inject
    SegmentServiceConfig config;
    @Inject
    SegmentMetrics metrics;
    @Inject
    Outages outages;

    private final String account = "two-relays-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void twoRelaysPublishEveryChangeExactlyOnceInOrderAndOneTakesOverWhenTheOtherStops() throws Exception {
        OutboxRelay second = secondRelay();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong secondPublished = new AtomicLong();
        Thread secondReplica = new Thread(() -> {
            while (running.get()) {
                try {
                    int published = Reactive.await(second::round);
                    secondPublished.addAndGet(published);
                    if (published == 0) {
                        // this replica's idle cadence, not a wait for an outcome
                        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                    }
                } catch (RuntimeException e) {
                    // a failed round is tried again, as the scheduled relay does
                }
            }
        }, "second-relay");
        secondReplica.start();
        try {
            for (int v = 1; v <= VERSIONS / 2; v++) {
                commit(v);
            }
            await("the second relay publishing").atMost(Duration.ofSeconds(60)).until(() -> secondPublished.get() > 0);
        } finally {
            // The second replica dies mid-stream (between two rounds): the service's relay takes over what is left.
            running.set(false);
            secondReplica.join(30_000);
        }
        long byTheSecond = secondPublished.get();
        for (int v = VERSIONS / 2 + 1; v <= VERSIONS; v++) {
            commit(v);
        }
        List<ConsumerRecord<String, String>> records = await().atMost(Duration.ofSeconds(120))
                .until(() -> Kafka.keyedWith(Topics.MEMBERSHIP_CHANGES, account + "|"), l -> l.size() >= CONTACTS * VERSIONS);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() ->
                Kafka.keyedWith(Topics.MEMBERSHIP_CHANGES, account + "|").size() == records.size());

        assertThat(records).as("records on the topic: each change once").hasSize(CONTACTS * VERSIONS);
        Map<String, List<Long>> versions = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            versions.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Changes.parse(r.value()).version());
        }
        assertThat(versions).hasSize(CONTACTS);
        List<Long> expected = java.util.stream.LongStream.rangeClosed(1, VERSIONS).boxed().toList();
        versions.forEach((key, list) -> assertThat(list).as(key).containsExactlyElementsOf(expected));
        assertThat(byTheSecond).as("changes the second relay published before it stopped").isPositive()
                .isLessThan(CONTACTS * VERSIONS);
    }

    /** Version {@code v} of every contact, committed as a few outbox rows (as a few ingest transactions would). */
    private void commit(int v) {
        int perRow = 20;
        for (int from = 0; from < CONTACTS; from += perRow) {
            List<String> keys = new ArrayList<>();
            List<String> payloads = new ArrayList<>();
            for (int c = from; c < from + perRow; c++) {
                String email = "c" + c + "@example.com";
                keys.add(account + "|" + email);
                payloads.add(change(email, v));
            }
            pool.preparedQuery("insert into segment_service.outbox_tx (keys, payloads) values ($1, $2)")
                    .execute(Tuple.of(keys.toArray(String[]::new), payloads.toArray(String[]::new)))
                    .await().atMost(Duration.ofSeconds(10));
        }
    }

    private String change(String email, long version) {
        SegmentRef a = new SegmentRef("a", "A");
        return EventJson.write(new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(),
                version == 1 ? ChangeType.ADDED : ChangeType.MOVED, account, email, version, List.of(), List.of(a), a.name(),
                ChangeCause.membership(), T0.plusSeconds(version)));
    }

    /** A second relay built like the service's, with its own lock attempts and rounds. */
    private OutboxRelay secondRelay() {
        return new OutboxRelay(outbox, pool, emitter, config, metrics, outages);
    }
}
