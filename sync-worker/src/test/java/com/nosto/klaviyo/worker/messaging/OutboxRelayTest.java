package com.nosto.klaviyo.worker.messaging;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.worker.config.SyncWorkerConfig;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.repository.OutboxRepository;
import com.nosto.klaviyo.worker.service.Loops;
import com.nosto.klaviyo.worker.service.ReleaseService;
import com.nosto.klaviyo.worker.service.WorkerMetrics;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.GatedEmitter;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.junit.jupiter.api.Test;

/** One relay publishes at a time across instances, so an account's batches reach the topic in the order written. */
@QuarkusTest
class OutboxRelayTest {

    @Inject
    Loops loops;
    @Inject
    ReleaseService releases;
    @Inject
    OutboxRelay relay;
    @Inject
    Pool pool;
    @Inject
    OutboxRepository outbox;
    @Inject
    Clock clock;
    @Inject
    SyncWorkerConfig config;
    @Inject
    WorkerMetrics metrics;
    @Inject
    @Channel(Channels.KLAVIYO_SYNC_BATCHES_OUT)
    MutinyEmitter<String> emitter;

    @Test
    void whileOneRelayIsPublishingASecondPublishesNothingSoAWindowsBatchesKeepTheirOrder() throws Exception {
        String account = Kafka.unique("two-relays");
        List<MembershipChange> changes = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            changes.add(added(account, String.format("r%03d@example.com", i), 1, "VIP"));
        }
        GatedEmitter slowBroker = new GatedEmitter(emitter);
        // Another instance's relay, whose broker answers only when the test says so.
        OutboxRelay first = new OutboxRelay(pool, outbox, slowBroker, clock, config, metrics, loops);
        ExecutorService instance = Executors.newSingleThreadExecutor();
        loops.pause();
        try {
            Kafka.produceToPartition(0, changes);
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 240);
            TestClock.INSTANCE.advance(Duration.ofHours(12).plusMinutes(1));
            releases.releaseDue(Set.of(0));
            // 60 batches of 4 (the tests' batch size) and the end marker: more than one relay round (50 rows).
            assertThat(Db.outboxRows(account)).isEqualTo(61);

            Future<Integer> firstRun = instance.submit(first::relayOnce);
            await().atMost(Duration.ofSeconds(30)).until(() -> slowBroker.held() > 0);
            int second = relay.relayOnce();

            assertThat(second).as("the second relay skips while the first holds the lock").isZero();
            assertThat(Db.unpublished(account)).isEqualTo(61);
            slowBroker.open();
            assertThat(firstRun.get(60, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(61);
        } finally {
            instance.shutdownNow();
            loops.resume();
        }

        assertThat(Db.unpublished(account)).isZero();
        List<SyncBatch> batches = Kafka.batchesFor(account);
        assertThat(batches).extracting(SyncBatch::sequence).containsExactlyElementsOf(IntStream.range(0, 61).boxed().toList());
        assertThat(batches.get(60).last()).isTrue();
        assertThat(batches.subList(0, 60)).allSatisfy(b -> assertThat(b.contacts()).hasSize(4));
    }
}
