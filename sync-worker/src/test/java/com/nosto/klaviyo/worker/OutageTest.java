package com.nosto.klaviyo.worker;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.testsupport.ProxiedPostgresTestResource;
import com.nosto.klaviyo.testsupport.TcpProxy;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.messaging.Channels;
import com.nosto.klaviyo.worker.messaging.OutboxRelay;
import com.nosto.klaviyo.worker.service.Loops;
import com.nosto.klaviyo.worker.service.PartitionOwnership;
import com.nosto.klaviyo.worker.service.ReleaseScheduler;
import com.nosto.klaviyo.worker.service.ReleaseService;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * G9, issue 18: PostgreSQL unreachable for the service (a TCP proxy between them, cut and restored) while changes
 * arrive and windows are being released. Nothing valid is dead-lettered, nothing is lost, readiness says who waits.
 */
@QuarkusTest
@TestProfile(OutageProfile.class)
class OutageTest {

    @Inject
    PartitionOwnership ownership;
    @Inject
    Loops loops;
    @Inject
    ReleaseService releases;

    /** Readiness, on the management interface. */
    @TestHTTPResource(value = "/health/ready", management = true)
    URL readiness;

    private Map<String, Object> outagesCheck() {
        List<Map<String, Object>> checks = given().when().get(readiness).then().extract().jsonPath().getList("checks");
        return checks.stream().filter(c -> "outages".equals(c.get("name"))).findFirst().orElseThrow();
    }

    /** Readiness is DOWN and names {@code work} as waiting. */
    private boolean waiting(String work) {
        Map<String, Object> check = outagesCheck();
        return "DOWN".equals(check.get("status")) && check.get("data") instanceof Map<?, ?> data && data.containsKey(work);
    }

    private boolean nothingWaits() {
        return "UP".equals(outagesCheck().get("status"));
    }

    @Test
    void aDatabaseCutLongerThanAnyRetryBudgetDeadLettersNothingAndStoresEveryChangeOnceBack() {
        await().atMost(Duration.ofSeconds(90)).until(() -> ownership.owned().size() == 6);
        String account = Kafka.unique("db-cut");
        List<MembershipChange> changes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            changes.add(added(account, "c" + i + "@example.com", 1, "VIP"));
        }
        TcpProxy proxy = ProxiedPostgresTestResource.proxy();
        proxy.cut();
        try {
            Kafka.produce(changes.toArray(MembershipChange[]::new));
            await().atMost(Duration.ofSeconds(30)).until(() -> waiting(Channels.SEGMENT_MEMBERSHIP_CHANGES_IN));
            // The poll is held all along: the consumer neither stores, nor gives up, nor dead-letters.
            await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(20))
                    .until(() -> waiting(Channels.SEGMENT_MEMBERSHIP_CHANGES_IN) && Db.contacts(account) == 0);
        } finally {
            proxy.restore();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 20 && nothingWaits());
        assertThat(Db.pending(account)).isEqualTo(20);
        assertThat(Kafka.deadLettersOfAccount(account)).isZero();
    }

    @Test
    void theReleaseLoopAndTheRelayWaitOutACutAndResumeAHalfReleasedWindow() {
        // "000-" sorts before every other account, so the cut below falls inside this account's window.
        String account = "000-" + Kafka.unique("loops-cut");
        List<MembershipChange> changes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            changes.add(added(account, "l" + i + "@example.com", 1, "VIP"));
        }
        TcpProxy proxy = ProxiedPostgresTestResource.proxy();
        loops.pause();
        try {
            Kafka.produceToPartition(2, changes);
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 10);
            TestClock.INSTANCE.advance(Duration.ofHours(12).plusMinutes(1));
            ReleaseService.Report half = releases.releaseDue(Set.of(2), 1);
            assertThat(half.complete()).isFalse();
            assertThat(Db.pending(account)).isEqualTo(6);

            proxy.cut();
            loops.resume();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> waiting(ReleaseScheduler.LOOP) && waiting(OutboxRelay.LOOP));
            // The loops keep trying on their schedule; nothing moves meanwhile.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> waiting(ReleaseScheduler.LOOP) && Db.pending(account) == 6);
        } finally {
            loops.resume();
            proxy.restore();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> Db.pending(account) == 0 && Db.unpublished(account) == 0
                && nothingWaits());
        List<SyncBatch> batches = Kafka.batchesFor(account);
        assertThat(batches.stream().flatMap(b -> b.contacts().stream()).map(ContactState::email).toList())
                .hasSize(10).doesNotHaveDuplicates();
        assertThat(batches).extracting(SyncBatch::sequence).containsExactly(0, 1, 2, 3);
        assertThat(batches).extracting(b -> b.contacts().size()).containsExactly(4, 4, 2, 0);
        assertThat(batches.get(3).last()).isTrue();
        assertThat(batches.get(3).windowPartitions()).isEqualTo(1);
    }
}
