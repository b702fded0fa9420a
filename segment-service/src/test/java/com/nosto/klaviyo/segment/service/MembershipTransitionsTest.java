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
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every membership transition end to end: REST in, PostgreSQL state, outbox, relay, the real
 * {@code segment-membership-changes} topic out.
 */
@QuarkusTest
class MembershipTransitionsTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final SegmentRef VIP = new SegmentRef("vip", "VIP");
    private static final SegmentRef BEAN = new SegmentRef("bean", "Category affinity: Whole_Bean");

    private final Api api = new Api();

    @Inject
    Pool pool;
    @Inject
    SegmentMetrics metrics;

    private List<MembershipChange> awaitChanges(String email, int count) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forContact(api.account, email), l -> l.size() >= count);
    }

    private void syncedVipAndBean() {
        api.syncedSegment("vip", VIP.name());
        api.syncedSegment("bean", BEAN.name());
    }

    @Test
    void enteringASyncedSegmentIsAddedWithNormalisedEmail() {
        syncedVipAndBean();
        api.post(api.fullSet("  Jane@Example.COM ", T0, "vip"));

        MembershipChange added = awaitChanges("jane@example.com", 1).get(0);
        assertThat(added.type()).isEqualTo(ChangeType.ADDED);
        assertThat(added.email()).isEqualTo("jane@example.com");
        assertThat(added.segmentsBefore()).isEmpty();
        assertThat(added.segmentsAfter()).containsExactly(VIP);
        assertThat(added.nostoSegment()).isEqualTo("VIP");
        assertThat(added.version()).as("a hybrid version: about now, in microseconds")
                .isBetween(micros(Instant.now().minusSeconds(60)), micros(Instant.now()));
        assertThat(added.cause()).isEqualTo(ChangeCause.membership());
        assertThat(added.eventId()).isNotNull();
    }

    @Test
    void switchingSyncedSegmentsIsMoved() {
        syncedVipAndBean();
        api.post(api.fullSet("mover@example.com", T0, "vip"), api.fullSet("mover@example.com", T0.plusSeconds(1), "bean"));

        List<MembershipChange> changes = awaitChanges("mover@example.com", 2);
        assertThat(changes).extracting(MembershipChange::type).containsExactly(ChangeType.ADDED, ChangeType.MOVED);
        MembershipChange moved = changes.get(1);
        assertThat(moved.segmentsBefore()).containsExactly(VIP);
        assertThat(moved.segmentsAfter()).containsExactly(BEAN);
        assertThat(moved.nostoSegment()).isEqualTo(BEAN.name());
        assertThat(moved.version()).isGreaterThan(changes.get(0).version());
    }

    @Test
    void leavingTheLastSyncedSegmentIsRemoved() {
        syncedVipAndBean();
        api.post(api.fullSet("leaver@example.com", T0, "vip"),
                api.delta("leaver@example.com", T0.plusSeconds(1), List.of(), List.of("vip")));

        MembershipChange removed = awaitChanges("leaver@example.com", 2).get(1);
        assertThat(removed.type()).isEqualTo(ChangeType.REMOVED);
        assertThat(removed.segmentsBefore()).containsExactly(VIP);
        assertThat(removed.segmentsAfter()).isEmpty();
        assertThat(removed.nostoSegment()).isNull();
    }

    @Test
    void severalSegmentsAtOnceKeepEntryOrderAndOnlySyncedOnes() {
        syncedVipAndBean();
        api.defineSegment("quiet", "Not synced");
        api.post(api.fullSet("multi@example.com", T0, "vip", "quiet", "bean", "undefined-yet"));
        MembershipChange added = awaitChanges("multi@example.com", 1).get(0);
        assertThat(added.segmentsAfter()).containsExactly(VIP, BEAN);
        assertThat(added.nostoSegment()).isEqualTo(BEAN.name());

        api.post(api.delta("multi@example.com", T0.plusSeconds(1), List.of("vip"), List.of("bean")));
        MembershipChange moved = awaitChanges("multi@example.com", 2).get(1);
        assertThat(moved.type()).isEqualTo(ChangeType.MOVED);
        assertThat(moved.segmentsAfter()).as("vip kept its original entry").containsExactly(VIP);
        assertThat(moved.nostoSegment()).isEqualTo("VIP");
    }

    @Test
    void deltaEnteringIsAdded() {
        syncedVipAndBean();
        api.post(api.delta("delta@example.com", T0, List.of("bean"), List.of()));
        assertThat(awaitChanges("delta@example.com", 1).get(0).type()).isEqualTo(ChangeType.ADDED);
    }

    @Test
    void changesOnlyInUnsyncedSegmentsEmitNothing() {
        api.syncedSegment("vip", "VIP");
        api.defineSegment("quiet", "Not synced");
        api.post(api.fullSet("calm@example.com", T0, "quiet"),
                api.fullSet("calm@example.com", T0.plusSeconds(1), "quiet", "undefined"),
                api.fullSet("calm@example.com", T0.plusSeconds(2), "quiet", "vip"));
        // The first change published for this contact is the one that touched a synced segment.
        List<MembershipChange> changes = awaitChanges("calm@example.com", 1);
        assertThat(changes.get(0).type()).isEqualTo(ChangeType.ADDED);
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0).segmentsAfter()).containsExactly(VIP);
    }

    /** A stored contact deleted by a later transaction takes its membership rows with it (explicitly: no foreign key). */
    @Test
    void aStoredContactsDeletionLeavesNoMembershipRow() {
        syncedVipAndBean();
        api.post(api.fullSet("stored@example.com", T0, "vip", "bean"), api.fullSet("kept@example.com", T0, "vip"));
        awaitChanges("stored@example.com", 1);
        assertThat(count("select count(*) from segment_service.membership where account_id = $1", api.account)).isEqualTo(3);
        api.post(api.deletion("stored@example.com", T0.plusSeconds(5)));

        assertThat(awaitChanges("stored@example.com", 2).get(1).type()).isEqualTo(ChangeType.DELETED);
        assertThat(count("select count(*) from segment_service.membership where account_id = $1 and email = 'stored@example.com'",
                api.account)).isZero();
        assertThat(count("select count(*) from segment_service.membership where account_id = $1", api.account))
                .as("the other contact's membership stays").isEqualTo(1);
        assertThat(pool.query("select count(*) from pg_constraint where conrelid = 'segment_service.membership'::regclass"
                + " and contype = 'f'").execute().await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0))
                .as("no foreign key does it").isZero();
    }

    /**
     * A segment's member count is kept in stripes (V8): each transaction adds its deltas to one of 16 rows drawn at
     * random, so replicas' transactions of one account seldom queue on the same count row; the listed count is their
     * sum. 26 transactions all in one stripe would be a 1 in 16^25 chance.
     */
    @Test
    void memberCountsAreSpreadOverStripesAndListedAsTheirSum() {
        syncedVipAndBean();
        for (int i = 0; i < 24; i++) {
            api.post(api.fullSet("striped" + i + "@example.com", T0, "vip"));
        }
        api.post(api.deletion("striped0@example.com", T0.plusSeconds(5)));
        api.post(api.delta("striped1@example.com", T0.plusSeconds(5), List.of("bean"), List.of("vip")));

        await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) api.listed("vip").get("memberCount")).longValue() == 22);
        assertThat(((Number) api.listed("bean").get("memberCount")).longValue()).isEqualTo(1);
        assertThat(count("select coalesce(sum(members), 0) from segment_service.segment_member_count where account_id = $1"
                + " and segment_id = 'vip'", api.account)).isEqualTo(22);
        assertThat(count("select count(*) from segment_service.segment_member_count where account_id = $1 and segment_id = 'vip'",
                api.account)).as("the vip count's stripes").isBetween(2L, 16L);
    }

    @Test
    void deletionEmitsDeletedAndKeepsOnlyATombstone() {
        syncedVipAndBean();
        api.post(api.fullSet("gone@example.com", T0, "vip", "bean"), api.deletion("gone@example.com", T0.plusSeconds(5)));

        List<MembershipChange> changes = awaitChanges("gone@example.com", 2);
        MembershipChange deleted = changes.get(1);
        assertThat(deleted.type()).isEqualTo(ChangeType.DELETED);
        assertThat(deleted.segmentsBefore()).containsExactly(VIP, BEAN);
        assertThat(deleted.segmentsAfter()).isEmpty();
        assertThat(deleted.cause().kind()).isEqualTo(ChangeCause.Kind.DELETION);
        assertThat(count("select count(*) from segment_service.contact where account_id = $1", api.account)).isZero();
        assertThat(count("select count(*) from segment_service.membership where account_id = $1", api.account)).isZero();
        assertThat(pool.preparedQuery("select version from segment_service.contact_tombstone where account_id = $1")
                .execute(Tuple.of(api.account)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0))
                .as("the tombstone keeps the last version").isEqualTo(deleted.version());
    }

    @Test
    void olderLateEventAfterDeletionIsStaleAndNewerOneReAdds() {
        syncedVipAndBean();
        String email = "phoenix@example.com";
        api.post(api.fullSet(email, T0, "vip"), api.deletion(email, T0.plusSeconds(10)));
        awaitChanges(email, 2);
        double staleBefore = metrics.staleCount();

        api.post(api.fullSet(email, T0.plusSeconds(5), "bean"));
        assertThat(metrics.staleCount()).isEqualTo(staleBefore + 1);
        assertThat(count("select count(*) from segment_service.contact where account_id = $1", api.account)).isZero();

        api.post(api.fullSet(email, T0.plusSeconds(20), "bean"));
        List<MembershipChange> changes = awaitChanges(email, 3);
        MembershipChange readded = changes.get(2);
        assertThat(readded.type()).isEqualTo(ChangeType.ADDED);
        assertThat(readded.segmentsBefore()).isEmpty();
        assertThat(readded.segmentsAfter()).containsExactly(BEAN);
        assertThat(readded.version()).as("versions keep growing across a deletion").isGreaterThan(changes.get(1).version());
        assertThat(count("select count(*) from segment_service.contact_tombstone where account_id = $1", api.account)).isZero();
    }

    @Test
    void staleEventIsIgnoredAndCounted() {
        syncedVipAndBean();
        String email = "late@example.com";
        api.post(api.fullSet(email, T0.plusSeconds(10), "vip"));
        awaitChanges(email, 1);
        double staleBefore = metrics.staleCount();

        api.post(api.fullSet(email, T0, "bean"));
        assertThat(metrics.staleCount()).isEqualTo(staleBefore + 1);

        api.post(api.fullSet(email, T0.plusSeconds(20), "vip", "bean"));
        List<MembershipChange> changes = awaitChanges(email, 2);
        MembershipChange next = changes.get(1);
        assertThat(changes).as("the stale event emitted nothing").hasSize(2);
        assertThat(next.version()).isGreaterThan(changes.get(0).version());
        assertThat(next.segmentsBefore()).as("and changed nothing").containsExactly(VIP);
    }

    @Test
    void deletionOfUnknownContactBlocksOlderEvents() {
        syncedVipAndBean();
        String email = "never@example.com";
        api.post(api.deletion(email, T0.plusSeconds(10)), api.fullSet(email, T0, "vip"));
        assertThat(count("select count(*) from segment_service.contact where account_id = $1", api.account)).isZero();
        assertThat(count("select count(*) from segment_service.contact_tombstone where account_id = $1", api.account)).isEqualTo(1);
    }

    private long count(String sql, String account) {
        return pool.preparedQuery(sql).execute(Tuple.of(account)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000L;
    }
}
