package com.nosto.klaviyo.segment.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.common.reactive.Reactive;
import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Fan-outs with two replicas working through them (issue 18 point 2, "every other loop"): the service's own runner and
 * a second one taking pages as fast as it can. A segment's first enable is followed at once by the rename of another
 * synced segment that half of its members are in. An account's jobs are taken one at a time, in order, so every member
 * enters the enabled segment with its first enable (the short window, G6), never with the rename overtaking it, and
 * no member is emitted more than once per job.
 */
@QuarkusTest
class FanoutTwoInstancesTest {

    private static final int MEMBERS = 4_000;

    @Inject
    FanoutService fanout;
    @Inject
    Pool pool;

    private final Api api = new Api();

    @Test
    void anAccountsJobsRunOneAtATimeInOrderWhateverTheReplicaThatTakesThem() throws Exception {
        sql("insert into segment_service.contact (account_id, email, observed_at, version, entry_seq, synced_view, updated_at) "
                + "select $1, 'm' || g || '@two.example.com', now(), 0, 2, '[]', now() from generate_series(1, $2) g");
        sql("insert into segment_service.membership (account_id, email, segment_id, entry_seq, entered_at) "
                + "select $1, 'm' || g || '@two.example.com', 'big', 2, now() from generate_series(1, $2) g");
        sql("insert into segment_service.membership (account_id, email, segment_id, entry_seq, entered_at) "
                + "select $1, 'm' || g || '@two.example.com', 'other', 1, now() from generate_series(2, $2, 2) g");
        api.syncedSegment("other", "Other");
        await().atMost(Duration.ofMinutes(2)).until(() -> pendingJobs() == 0);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong secondPages = new AtomicLong();
        Thread second = new Thread(() -> {
            while (running.get()) {
                try {
                    if (Reactive.await(fanout::page)) {
                        secondPages.incrementAndGet();
                    } else {
                        // this runner's idle cadence, not a wait for an outcome
                        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                    }
                } catch (RuntimeException e) {
                    // a failed page is tried again, as the scheduled runner does
                }
            }
        }, "second-fanout");
        second.start();
        try {
            api.defineSegment("big", "Big");
            api.sync("big", true);
            api.defineSegment("other", "Other renamed");
            await().atMost(Duration.ofMinutes(3)).until(() -> pendingJobs() == 0);
        } finally {
            running.set(false);
            second.join(30_000);
        }

        Map<String, List<MembershipChange>> byMember = await().atMost(Duration.ofSeconds(60))
                .until(() -> Changes.forAccount(api.account), l -> l.stream().filter(c -> c.segmentNamesAfter().contains("Big"))
                        .map(MembershipChange::email).distinct().count() == MEMBERS)
                .stream().collect(Collectors.groupingBy(MembershipChange::email));
        assertThat(byMember).hasSize(MEMBERS);
        byMember.forEach((email, changes) -> {
            MembershipChange entered = changes.stream().filter(c -> c.segmentNamesAfter().contains("Big")).findFirst().orElseThrow();
            assertThat(entered.cause()).as(email + " enters Big with its first enable")
                    .satisfies(c -> assertThat(c.firstEnable()).isTrue(), c -> assertThat(c.segmentId()).isEqualTo("big"),
                            c -> assertThat(c.kind()).isEqualTo(ChangeCause.Kind.SYNC_ENABLED));
            boolean inOther = Integer.parseInt(email.substring(1, email.indexOf('@'))) % 2 == 0;
            assertThat(changes).as(email + ": once per job at most").hasSizeLessThanOrEqualTo(inOther ? 3 : 1);
            assertThat(changes.get(changes.size() - 1).segmentNamesAfter()).as(email)
                    .containsExactlyInAnyOrderElementsOf(inOther ? List.of("Other renamed", "Big") : List.of("Big"));
        });
    }

    private void sql(String statement) {
        pool.preparedQuery(statement).execute(Tuple.of(api.account, MEMBERS)).await().atMost(Duration.ofMinutes(2));
    }

    private long pendingJobs() {
        return pool.preparedQuery("select count(*) from segment_service.fanout_job where account_id = $1")
                .execute(Tuple.of(api.account)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }
}
