package com.nosto.klaviyo.worker.service;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * No account waits behind another (benchmark figure 7): windows due at the same tick are released a page each in
 * turn, so a small window due beside a large one is released without waiting for all the large one's pages.
 */
@QuarkusTest
class ReleaseFairnessTest {

    private static final Duration PAST_REGULAR = Duration.ofHours(12).plusMinutes(1);

    @Inject
    Loops loops;
    @Inject
    ReleaseService releases;

    @Test
    void aLargeWindowDueFirstDoesNotHoldUpASmallOneDueWithIt() {
        // "000-" and "001-" sort before every other test account: the large window is the first the release meets,
        // the small one the second (windows are read in account order).
        String large = "000-" + Kafka.unique("fair-large");
        String small = "001-" + Kafka.unique("fair-small");
        List<MembershipChange> largeChanges = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            largeChanges.add(added(large, "l" + i + "@example.com", 1, "VIP"));
        }
        List<MembershipChange> smallChanges = List.of(added(small, "s0@example.com", 1, "VIP"), added(small, "s1@example.com", 1, "VIP"));
        loops.pause();
        try {
            Kafka.produceToPartition(5, largeChanges);
            Kafka.produceToPartition(5, smallChanges);
            await().atMost(Duration.ofSeconds(60)).until(() -> Db.contacts(large) == 40 && Db.contacts(small) == 2);
            TestClock.INSTANCE.advance(PAST_REGULAR);

            // Test batch size is 4: the large window has 10 pages, the small one 1. Two pages: one of each.
            ReleaseService.Report cut = releases.releaseDue(Set.of(5), 2);
            assertThat(cut.complete()).isFalse();
            assertThat(Db.pending(small)).as("the small window, released beside the large one").isZero();
            assertThat(Db.pending(large)).as("the large window, one page in").isEqualTo(36);

            ReleaseService.Report rest = releases.releaseDue(Set.of(5));
            assertThat(rest.complete()).isTrue();
            assertThat(Db.pending(large)).isZero();
        } finally {
            loops.resume();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> Db.unpublished(large) == 0 && Db.unpublished(small) == 0);
        // Each window still ends with exactly one marker after all its batches, its contacts released once.
        for (String account : List.of(large, small)) {
            List<SyncBatch> batches = Kafka.batchesFor(account);
            assertThat(batches.get(batches.size() - 1).last()).isTrue();
            assertThat(batches).filteredOn(SyncBatch::last).hasSize(1);
            assertThat(batches).extracting(SyncBatch::sequence).isSorted();
            assertThat(batches.stream().flatMap(b -> b.contacts().stream()).map(ContactState::email))
                    .doesNotHaveDuplicates().hasSize(account.equals(large) ? 40 : 2);
        }
    }
}
