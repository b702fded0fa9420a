package com.nosto.klaviyo.worker.service;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static com.nosto.klaviyo.worker.support.Changes.moved;
import static com.nosto.klaviyo.worker.support.Changes.removed;
import static com.nosto.klaviyo.worker.support.Changes.resync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Coalescing and the two windows (G6, G7), end to end: real broker in, real database, real broker out. */
@QuarkusTest
class WindowReleaseTest {

    private static final Duration PAST_REGULAR = Duration.ofHours(12).plusMinutes(1);
    private static final Duration PAST_FIRST_ENABLE = Duration.ofMinutes(61);

    private static void awaitStored(String account, String email, long version) {
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.desiredVersion(account, email) == version);
    }

    /** The batches with contacts (end markers left out), once there are at least {@code count}. */
    private static List<SyncBatch> awaitBatches(String account, int count) {
        return await().atMost(Duration.ofSeconds(60))
                .until(() -> contactBatches(account), batches -> batches.size() >= count);
    }

    private static List<SyncBatch> contactBatches(String account) {
        return Kafka.batchesFor(account).stream().filter(b -> !b.contacts().isEmpty()).toList();
    }

    private static long contactRows(String account) {
        return Db.count("select count(*) from sync_worker.outbox_batch where account_id = ? and contact_count > 0", account);
    }

    private static List<ContactState> contacts(List<SyncBatch> batches) {
        return batches.stream().flatMap(b -> b.contacts().stream()).toList();
    }

    @Test
    void addedThenRemovedWithinOneWindowReleasesNothing() {
        String account = Kafka.unique("coalesce");
        Kafka.produce(added(account, "flicker@example.com", 1, "VIP"));
        Kafka.produce(removed(account, "flicker@example.com", 2, "VIP"), added(account, "stays@example.com", 1, "VIP"));
        awaitStored(account, "flicker@example.com", 2);
        awaitStored(account, "stays@example.com", 1);

        TestClock.INSTANCE.advance(PAST_REGULAR);
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.pending(account) == 0 && Db.unpublished(account) == 0);

        List<SyncBatch> batches = Kafka.batchesFor(account);
        assertThat(contacts(batches)).extracting(ContactState::email).containsExactly("stays@example.com");
        assertThat(contactRows(account)).isEqualTo(1);
        assertThat(Db.ledger(account, "flicker@example.com").get("released_version")).isNull();
    }

    @Test
    void chainOfMovesReleasesOnlyTheLastState() {
        String account = Kafka.unique("moves");
        String email = "mover@example.com";
        Kafka.produce(added(account, email, 1, "A"));
        awaitStored(account, email, 1);
        TestClock.INSTANCE.advance(PAST_REGULAR);
        assertThat(contacts(awaitBatches(account, 1))).singleElement()
                .satisfies(c -> assertThat(c.change()).isEqualTo(ChangeType.ADDED));

        Kafka.produce(moved(account, email, 2, List.of("A"), "B"));
        Kafka.produce(moved(account, email, 3, List.of("B"), "C"));
        Kafka.produce(moved(account, email, 4, List.of("C"), "C", "D"));
        awaitStored(account, email, 4);
        TestClock.INSTANCE.advance(PAST_REGULAR);

        List<SyncBatch> batches = awaitBatches(account, 2);
        await().during(Duration.ofSeconds(2)).until(() -> Db.unpublished(account) == 0);
        assertThat(contactBatches(account)).hasSize(2);
        ContactState last = batches.get(1).contacts().get(0);
        assertThat(batches.get(1).contacts()).hasSize(1);
        assertThat(last.change()).isEqualTo(ChangeType.MOVED);
        assertThat(last.version()).isEqualTo(4);
        assertThat(last.nostoSegments()).containsExactly("C", "D");
        assertThat(last.nostoSegment()).isEqualTo("D");
        assertThat(last.inList()).isTrue();
    }

    @Test
    void firstEnableIsReleasedInTheShortWindowWhileRegularChangesWait() {
        String account = Kafka.unique("first-enable");
        Kafka.produce(added(account, "regular@example.com", 1, "Lapsed"),
                firstEnableAdded(account, "enabled@example.com", 1, "Whole Bean"));
        awaitStored(account, "regular@example.com", 1);
        awaitStored(account, "enabled@example.com", 1);

        TestClock.INSTANCE.advance(PAST_FIRST_ENABLE);
        List<SyncBatch> first = awaitBatches(account, 1);

        assertThat(first).singleElement().satisfies(b -> {
            assertThat(b.windowKind()).isEqualTo(WindowKind.FIRST_ENABLE);
            assertThat(b.contacts()).extracting(ContactState::email).containsExactly("enabled@example.com");
        });
        assertThat(Db.ledger(account, "regular@example.com").get("pending")).isEqualTo(true);

        TestClock.INSTANCE.advance(PAST_REGULAR);
        List<SyncBatch> both = awaitBatches(account, 2);
        assertThat(both.get(1).windowKind()).isEqualTo(WindowKind.REGULAR);
        assertThat(both.get(1).contacts()).extracting(ContactState::email).containsExactly("regular@example.com");
    }

    @Test
    void firstEnableReleaseCarriesTheLatestStateAndClearsTheRegularPending() {
        String account = Kafka.unique("fe-latest");
        String email = "enabled@example.com";
        Kafka.produce(firstEnableAdded(account, email, 1, "Whole Bean"));
        Kafka.produce(moved(account, email, 2, List.of("Whole Bean"), "Whole Bean", "VIP"));
        awaitStored(account, email, 2);

        TestClock.INSTANCE.advance(PAST_FIRST_ENABLE);
        ContactState released = contacts(awaitBatches(account, 1)).get(0);

        assertThat(released.version()).isEqualTo(2);
        assertThat(released.nostoSegments()).containsExactly("Whole Bean", "VIP");
        assertThat(released.change()).isEqualTo(ChangeType.ADDED);
        TestClock.INSTANCE.advance(PAST_REGULAR);
        await().atMost(Duration.ofSeconds(30)).until(() -> Db.schedule(account).stream()
                .allMatch(r -> r.get("regular_due_at") == null && r.get("first_enable_due_at") == null));
        assertThat(Db.pending(account)).isZero();
        assertThat(contactRows(account)).isEqualTo(1);
    }

    @Test
    void aLargeWindowIsChunkedIntoBatchesWithDeterministicIds() {
        String account = Kafka.unique("chunks");
        List<MembershipChange> changes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            changes.add(added(account, "c" + i + "@example.com", 1, "VIP"));
        }
        Kafka.produceToPartition(2, changes);
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(account) == 10);

        TestClock.INSTANCE.advance(PAST_REGULAR);
        List<SyncBatch> batches = await().atMost(Duration.ofSeconds(60))
                .until(() -> Kafka.batchesFor(account), b -> b.stream().anyMatch(SyncBatch::last));

        // Test profile batch size is 4: 10 contacts of one window partition make chunks 4, 4, 2, then the end marker.
        assertThat(batches).extracting(b -> b.contacts().size()).containsExactly(4, 4, 2, 0);
        assertThat(batches).extracting(SyncBatch::sequence).containsExactly(0, 1, 2, 3);
        assertThat(batches).extracting(SyncBatch::sourcePartition).containsOnly(2);
        assertThat(batches).extracting(SyncBatch::last).containsExactly(false, false, false, true);
        assertThat(batches).extracting(SyncBatch::windowPartitions).containsExactly(null, null, null, 1);
        String windowId = batches.get(0).windowId();
        assertThat(windowId).startsWith(account + "/REGULAR/");
        assertThat(batches).extracting(SyncBatch::windowId).containsOnly(windowId);
        assertThat(batches).extracting(SyncBatch::batchId)
                .containsExactly(windowId + "/2/0", windowId + "/2/1", windowId + "/2/2", windowId + "/2/3");
        assertThat(contacts(batches)).extracting(ContactState::email).doesNotHaveDuplicates().hasSize(10);
    }

    @Test
    void aResyncRestatesUnchangedContactsInTheNextWindowEvenAfterALaterChange() {
        String account = Kafka.unique("resync");
        Kafka.produce(added(account, "x@example.com", 1, "VIP"), added(account, "y@example.com", 1, "VIP"));
        awaitStored(account, "x@example.com", 1);
        awaitStored(account, "y@example.com", 1);
        TestClock.INSTANCE.advance(PAST_REGULAR);
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.pending(account) == 0 && Db.unpublished(account) == 0);
        List<ContactState> firstWindow = contacts(contactBatches(account));
        Set<String> firstWindowIds = contactBatches(account).stream().map(SyncBatch::windowId).collect(Collectors.toSet());

        // An operator's resync restates both, unchanged; y then moves away and back before the window.
        Kafka.produce(resync(account, "x@example.com", 2, "VIP"), resync(account, "y@example.com", 2, "VIP"));
        Kafka.produce(moved(account, "y@example.com", 3, List.of("VIP"), "Gold"), moved(account, "y@example.com", 4, List.of("Gold"), "VIP"));
        awaitStored(account, "x@example.com", 2);
        awaitStored(account, "y@example.com", 4);
        assertThat(Db.pending(account)).as("restated contacts wait although nothing changed").isEqualTo(2);

        TestClock.INSTANCE.advance(PAST_REGULAR);
        List<ContactState> restated = await().atMost(Duration.ofSeconds(60)).until(() -> contacts(contactBatches(account)
                .stream().filter(b -> !firstWindowIds.contains(b.windowId())).toList()), c -> c.size() >= 2);

        assertThat(restated).extracting(ContactState::email, ContactState::version, ContactState::change,
                        ContactState::restate, ContactState::nostoSegments)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("x@example.com", 2L, ChangeType.ADDED, true, List.of("VIP")),
                        org.assertj.core.groups.Tuple.tuple("y@example.com", 4L, ChangeType.ADDED, true, List.of("VIP")));
        assertThat(firstWindow).extracting(ContactState::restate).containsExactly(false, false);
    }
}
