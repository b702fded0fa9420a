package com.nosto.klaviyo.segment.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Switching on a segment with many members emits one change per member, streamed in pages of
 * {@code segment-service.fanout.page-size} contacts (one transaction each), never the whole segment
 * at once. 10k members (10 pages) keeps the test short on the shared CI machine; memory per page is the same at 1M.
 */
@QuarkusTest
class LargeSegmentEnableTest {

    private static final int MEMBERS = 10_000;

    @Inject
    Pool pool;
    @Inject
    SegmentMetrics metrics;
    @Inject
    SegmentServiceConfig config;

    private final Api api = new Api();

    @Test
    void enablingA10kSegmentEmitsEveryMemberPageByPage() {
        // Members arrive in bulk through SQL: this test is about the fan-out, not about ingest throughput.
        pool.preparedQuery("insert into segment_service.contact (account_id, email, observed_at, version, entry_seq, synced_view, updated_at) "
                        + "select $1, 'm' || g || '@big.example.com', now(), 0, 1, '[]', now() from generate_series(1, $2) g")
                .execute(Tuple.of(api.account, MEMBERS)).await().atMost(Duration.ofSeconds(60));
        pool.preparedQuery("insert into segment_service.membership (account_id, email, segment_id, entry_seq, entered_at) "
                        + "select $1, 'm' || g || '@big.example.com', 'big', 1, now() from generate_series(1, $2) g")
                .execute(Tuple.of(api.account, MEMBERS)).await().atMost(Duration.ofSeconds(60));
        double pagesBefore = metrics.fanoutPages();

        api.defineSegment("big", "Big segment");
        api.sync("big", true);

        List<MembershipChange> changes = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Changes.forAccount(api.account), l -> l.size() >= MEMBERS);
        assertThat(changes).hasSize(MEMBERS);
        assertThat(changes).extracting(MembershipChange::email).doesNotHaveDuplicates();
        assertThat(changes).allSatisfy(c -> {
            assertThat(c.type()).isEqualTo(ChangeType.ADDED);
            assertThat(c.cause()).isEqualTo(ChangeCause.firstEnable("big"));
        });
        int pageSize = config.fanout().pageSize();
        assertThat(metrics.fanoutPages() - pagesBefore).as("pages of at most %d members", pageSize)
                .isGreaterThanOrEqualTo(Math.ceil((double) MEMBERS / pageSize));
    }
}
