package com.nosto.klaviyo.segment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-event rules of a transaction of events, applied in memory. */
class IngestBatchTest {

    private static final String ACME = "acme";
    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final Map<String, AccountDefinitions> DEFINITIONS = Map.of(ACME, new AccountDefinitions(
            Map.of("vip", new SyncedView.Definition("VIP", true), "quiet", new SyncedView.Definition("Quiet", false)), Map.of()));

    private static SegmentEvent fullSet(String email, Instant at, String... segments) {
        return new SegmentEvent(ACME, email, List.of(segments), null, null, null, at);
    }

    private static SegmentEvent deletion(String email, Instant at) {
        return new SegmentEvent(ACME, email, null, null, null, Boolean.TRUE, at);
    }

    private static Contact.Key key(String email) {
        return new Contact.Key(ACME, email);
    }

    private static Contact stored(String email, long version, Instant observedAt, List<SegmentRef> view) {
        Contact c = Contact.create(ACME, email, observedAt, version, T0);
        c.entrySeq = 2;
        c.syncedView = Contact.json(view);
        return c;
    }

    @Test
    void eventsOfOneContactApplyInOrderEachSeeingWhatTheOnesBeforeLeft() {
        IngestBatch batch = new IngestBatch(List.of(key("a@x.com")), List.of(), List.of(), List.of(), DEFINITIONS);
        assertThat(batch.apply(fullSet("a@x.com", T0.plusSeconds(1), "vip"), NOW)).isEqualTo(IngestBatch.Result.APPLIED);
        assertThat(batch.apply(fullSet("a@x.com", T0, "quiet"), NOW)).isEqualTo(IngestBatch.Result.STALE);
        assertThat(batch.apply(fullSet("a@x.com", T0.plusSeconds(2), "quiet"), NOW)).isEqualTo(IngestBatch.Result.APPLIED);

        IngestWrites writes = batch.writes();
        assertThat(writes.changes()).extracting(MembershipChange::type).containsExactly(ChangeType.ADDED, ChangeType.REMOVED);
        assertThat(writes.changes()).extracting(MembershipChange::version).isSorted().doesNotHaveDuplicates();
        assertThat(writes.membershipsNew()).extracting(m -> m.key.segmentId()).containsExactly("quiet");
        assertThat(writes.memberCounts()).containsExactly(new IngestWrites.MemberCount(ACME, "quiet", 1));
    }

    @Test
    void memberCountsMoveByWhatJoinedAndLeftNotByWhatWasRewritten() {
        Contact a = stored("a@x.com", 10, T0, List.of(new SegmentRef("vip", "VIP")));
        Contact b = stored("b@x.com", 10, T0, List.of(new SegmentRef("vip", "VIP")));
        List<Membership> held = List.of(Membership.of(ACME, "a@x.com", "vip", 1, T0), Membership.of(ACME, "a@x.com", "quiet", 2, T0),
                Membership.of(ACME, "b@x.com", "vip", 1, T0));
        IngestBatch batch = new IngestBatch(List.of(key("a@x.com"), key("b@x.com"), key("c@x.com")), List.of(a, b), held, List.of(),
                DEFINITIONS);
        // a leaves and enters vip again (a new row replaces the stored one) and leaves quiet; b is deleted; c is new.
        batch.apply(fullSet("a@x.com", T0.plusSeconds(1)), NOW);
        batch.apply(fullSet("a@x.com", T0.plusSeconds(2), "vip"), NOW);
        batch.apply(deletion("b@x.com", T0.plusSeconds(1)), NOW);
        batch.apply(fullSet("c@x.com", T0.plusSeconds(1), "undefined-yet"), NOW);

        IngestWrites writes = batch.writes();
        assertThat(writes.memberCounts()).containsExactly(new IngestWrites.MemberCount(ACME, "quiet", -1),
                new IngestWrites.MemberCount(ACME, "undefined-yet", 1), new IngestWrites.MemberCount(ACME, "vip", -1));
        assertThat(writes.membershipsNew()).extracting(m -> m.key.email() + "/" + m.key.segmentId())
                .containsExactlyInAnyOrder("a@x.com/vip", "c@x.com/undefined-yet");
        assertThat(writes.membershipsGone()).as("b's are deleted with its contact; a's vip is replaced, not deleted")
                .containsExactlyInAnyOrder(new Membership.Key(ACME, "a@x.com", "quiet"), new Membership.Key(ACME, "b@x.com", "vip"));
        assertThat(writes.contactsGone()).containsExactly(key("b@x.com"));
        assertThat(writes.tombstonesChanged()).singleElement().satisfies(t -> assertThat(t.version).isGreaterThan(10));
    }

    @Test
    void aReAddedContactsVersionsContinueAboveItsTombstone() {
        long far = Versions.next(0, NOW.plusSeconds(86_400));
        Tombstone tombstone = Tombstone.of(Tombstone.hash(ACME, "back@x.com"), ACME, T0, far);
        IngestBatch batch = new IngestBatch(List.of(key("back@x.com")), List.of(), List.of(), List.of(tombstone), DEFINITIONS);

        assertThat(batch.apply(fullSet("back@x.com", T0, "vip"), NOW)).as("observed at the deletion: stale").isEqualTo(IngestBatch.Result.STALE);
        assertThat(batch.apply(fullSet("back@x.com", T0.plusSeconds(1), "vip"), NOW)).isEqualTo(IngestBatch.Result.APPLIED);

        IngestWrites writes = batch.writes();
        assertThat(writes.changes()).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo(ChangeType.ADDED);
            assertThat(c.version()).isEqualTo(far + 1);
        });
        assertThat(writes.tombstonesGone()).containsExactly(tombstone.keyHash);
    }

    @Test
    void aDeletionOfAContactDownstreamNeverSawEmitsNothingAndLeavesATombstone() {
        IngestBatch batch = new IngestBatch(List.of(key("quiet@x.com")), List.of(stored("quiet@x.com", 0, T0, List.of())),
                List.of(Membership.of(ACME, "quiet@x.com", "quiet", 1, T0)), List.of(), DEFINITIONS);
        batch.apply(deletion("quiet@x.com", T0.plusSeconds(1)), NOW);

        IngestWrites writes = batch.writes();
        assertThat(writes.changes()).isEmpty();
        assertThat(writes.contactsGone()).containsExactly(key("quiet@x.com"));
        assertThat(writes.tombstonesChanged()).singleElement().satisfies(t -> assertThat(t.deletedAt).isEqualTo(T0.plusSeconds(1)));
        assertThat(writes.memberCounts()).containsExactly(new IngestWrites.MemberCount(ACME, "quiet", -1));
    }

    @Test
    void aChangeGainingASegmentWhoseFirstEnableRunsCarriesIt() {
        ChangeCause enable = ChangeCause.firstEnable("vip", T0);
        IngestBatch batch = new IngestBatch(List.of(key("early@x.com")), List.of(), List.of(), List.of(), Map.of(ACME,
                new AccountDefinitions(DEFINITIONS.get(ACME).segments(), Map.of("vip", enable))));
        batch.apply(fullSet("early@x.com", T0, "vip"), NOW);
        assertThat(batch.changes()).singleElement().satisfies(c -> assertThat(c.cause()).isEqualTo(enable));
    }

    @Test
    void eachChangeCarriesItsEventsTraceContextAndNoneIsStoredWhenNoEventHadOne() {
        String trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        IngestBatch traced = new IngestBatch(List.of(key("a@x.com"), key("b@x.com")), List.of(), List.of(), List.of(), DEFINITIONS);
        traced.apply(fullSet("a@x.com", T0, "vip"), NOW, null);
        traced.apply(fullSet("b@x.com", T0, "vip"), NOW, trace);
        traced.apply(fullSet("a@x.com", T0.plusSeconds(1)), NOW, null);
        assertThat(traced.writes().changes()).extracting(MembershipChange::email)
                .containsExactly("a@x.com", "b@x.com", "a@x.com");
        assertThat(traced.writes().traces()).containsExactly(null, trace, null);

        IngestBatch untraced = new IngestBatch(List.of(key("a@x.com")), List.of(), List.of(), List.of(), DEFINITIONS);
        untraced.apply(fullSet("a@x.com", T0, "vip"), NOW, null);
        assertThat(untraced.writes().changes()).hasSize(1);
        assertThat(untraced.writes().traces()).isNull();
    }
}
