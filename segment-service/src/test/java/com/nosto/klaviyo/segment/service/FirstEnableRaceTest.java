package com.nosto.klaviyo.segment.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Membership events racing a first enable. Before the switch: the event has read the segment definitions (sync
 * still off, so it emits nothing) but not committed when the switch is flipped. Its new membership row is not yet
 * visible, so a fan-out starting now would skip the contact and nobody would ever emit it. The switch therefore
 * waits for such events (the account's definitions lock); the fan-out then sees the member. After the switch: an
 * event that reaches a member before the fan-out does emits the member's entry with the first enable's cause.
 */
@QuarkusTest
class FirstEnableRaceTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    @Inject
    MembershipService membership;
    @Inject
    Pool pool;

    private final Api api = new Api();

    @AfterEach
    void removeSeam() {
        membership.afterDefinitionsRead(null);
    }

    @Test
    void aMemberJoiningWhileTheSegmentIsFirstEnabledIsEmittedWithTheSegment() throws Exception {
        api.defineSegment("early", "Early");
        // Other members, so the fan-out has pages to work through while the event is in flight.
        for (int i = 0; i < 20; i++) {
            api.post(api.fullSet("other" + i + "@example.com", T0, "early"));
        }
        String email = "racer@example.com";
        CompletableFuture<Void> reached = new CompletableFuture<>();
        CompletableFuture<Void> release = new CompletableFuture<>();
        membership.afterDefinitionsRead(e -> {
            if (!e.email().equals(email)) {
                return Uni.createFrom().voidItem();
            }
            Context context = Vertx.currentContext();
            reached.complete(null);
            // Wait without blocking the event loop, and carry on in the transaction's own context.
            return Uni.createFrom().completionStage(release).emitOn(r -> context.runOnContext(v -> r.run()));
        });

        CompletableFuture<Void> event = CompletableFuture.runAsync(() -> api.post(api.fullSet(email, T0, "early")));
        reached.get(30, TimeUnit.SECONDS);
        CompletableFuture<Void> enable = CompletableFuture.runAsync(() -> api.sync("early", true));

        // Without the lock the switch commits now, and its fan-out runs to the end without the racer: the switch must
        // still be waiting 3 s later.
        await("the switch waits for the event applying under the old definitions").during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10)).until(() -> !enable.isDone());
        release.complete(null);
        event.get(30, TimeUnit.SECONDS);
        enable.get(30, TimeUnit.SECONDS);

        List<MembershipChange> changes = await("the racer's change").atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forContact(api.account, email), l -> !l.isEmpty());
        MembershipChange change = changes.get(changes.size() - 1);
        assertThat(change.type()).isEqualTo(ChangeType.ADDED);
        assertThat(change.segmentsAfter()).containsExactly(new SegmentRef("early", "Early"));
        assertThat(change.cause().kind()).isEqualTo(ChangeCause.Kind.SYNC_ENABLED);
        assertThat(change.cause().segmentId()).isEqualTo("early");
        assertThat(change.cause().firstEnable()).isTrue();
        assertThat(change.cause().enabledAt()).isNotNull();
        await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forAccount(api.account).size() == 21);
    }

    /**
     * The other race: the switch has committed and its fan-out is working through the members, but an event reaches a
     * member the fan-out has not reached yet. The event emits the member's entry itself (the fan-out then finds it up
     * to date and emits nothing), so that change must carry the first enable, or the member waits for the regular
     * window. The fan-out is held at the first member by a row lock the test takes; the last member's event passes.
     */
    @Test
    void anEventThatReachesAMemberBeforeTheFirstEnableFanOutDoesCarriesTheFirstEnable() throws Exception {
        api.defineSegment("launch", "Launch");
        api.defineSegment("newsletter", "Newsletter");
        String first = "aaa-first@example.com";
        String last = "zzz-last@example.com";
        api.post(api.fullSet(first, T0, "launch"), api.fullSet(last, T0, "launch"));

        SqlConnection holder = pool.getConnection().await().atMost(Duration.ofSeconds(10));
        Transaction held = holder.begin().await().atMost(Duration.ofSeconds(10));
        try {
            holder.preparedQuery("select 1 from segment_service.contact where account_id = $1 and email = $2 for update")
                    .execute(Tuple.of(api.account, first)).await().atMost(Duration.ofSeconds(10));
            api.sync("launch", true);
            // The fan-out's first page now waits for the first member; the last member's event goes through.
            api.post(api.fullSet(last, T0.plusSeconds(60), "launch", "newsletter"));

            List<MembershipChange> lastChanges = await("the last member's change").atMost(Duration.ofSeconds(30))
                    .until(() -> Changes.forContact(api.account, last), l -> !l.isEmpty());
            assertThat(Changes.forContact(api.account, first)).as("the fan-out is held at the first member").isEmpty();
            MembershipChange change = lastChanges.get(0);
            assertThat(change.type()).isEqualTo(ChangeType.ADDED);
            assertThat(change.cause().kind()).isEqualTo(ChangeCause.Kind.SYNC_ENABLED);
            assertThat(change.cause().segmentId()).isEqualTo("launch");
            assertThat(change.cause().firstEnable()).as("released with the first enable, not in the regular window").isTrue();
        } finally {
            held.rollback().await().atMost(Duration.ofSeconds(10));
            holder.close().await().atMost(Duration.ofSeconds(10));
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> pendingJobs() == 0);
        List<MembershipChange> firstChanges = await("the first member's change").atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forContact(api.account, first), l -> !l.isEmpty());
        List<MembershipChange> lastChanges = Changes.forContact(api.account, last);
        assertThat(lastChanges).as("the fan-out found the last member up to date").hasSize(1);
        assertThat(lastChanges.get(0).cause().enabledAt()).as("one first enable, one window")
                .isNotNull().isEqualTo(firstChanges.get(0).cause().enabledAt());
    }

    private long pendingJobs() {
        return pool.preparedQuery("select count(*) from segment_service.fanout_job where account_id = $1")
                .execute(Tuple.of(api.account)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }
}
