package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The happy paths of G2, G3, G5, G7, G8 against the emulator, through the real broker and database. */
@QuarkusTest
class SyncBatchFlowTest extends GatewayTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void addedContactJoinsTheListWithBothProperties() {
        connect();
        String jane = email("jane");

        publishWindow("w1", List.of(added(jane, 1, "Whole_Bean")));

        awaitWindows(1);
        assertThat(members()).containsExactly(jane);
        assertThat(propertiesOf(jane)).containsEntry("nosto_segment", "Whole_Bean")
                .containsEntry("nosto_segments", List.of("Whole_Bean"));
        assertThat(total("added")).isEqualTo(1);
    }

    @Test
    void addingKeepsTheMerchantsOtherPropertiesAndMatchesEmailCaseInsensitively() {
        connect();
        String jane = email("jane");
        klaviyo().seedProfile(jane, Map.of("favourite_colour", "green"));

        publishWindow("w1", List.of(added("  " + jane.toUpperCase() + " ", 1, "VIP")));

        awaitWindows(1);
        assertThat(klaviyo().profiles()).hasSize(1);
        assertThat(propertiesOf(jane)).containsEntry("favourite_colour", "green").containsEntry("nosto_segment", "VIP");
    }

    @Test
    void movedContactChangesPropertiesAndIsNeverRemovedFromTheList() {
        connect();
        String jane = email("jane");
        publishWindow("w1", List.of(added(jane, 1, "A")));
        awaitWindows(1);

        publishWindow("w2", List.of(moved(jane, 2, "A", "B")));

        awaitWindows(2);
        assertThat(members()).containsExactly(jane);
        assertThat(propertiesOf(jane)).containsEntry("nosto_segment", "B").containsEntry("nosto_segments", List.of("A", "B"));
        List<Call> removals = emulator().calls().forKey(apiKey).stream()
                .filter(c -> "remove_profiles_from_list".equals(c.operationId())).toList();
        assertThat(removals).isEmpty();
        assertThat(total("moved")).isEqualTo(1);
    }

    @Test
    void removedContactLeavesTheListAndLosesBothProperties() {
        connect();
        String jane = email("jane");
        String joe = email("joe");
        publishWindow("w1", List.of(added(jane, 1, "A"), added(joe, 1, "A")));
        awaitWindows(1);

        publishWindow("w2", List.of(removed(jane, 2)));

        awaitWindows(2);
        assertThat(members()).containsExactly(joe);
        assertThat(propertiesOf(jane)).doesNotContainKeys("nosto_segment", "nosto_segments");
        assertThat(klaviyo().profileByEmail(jane)).isPresent();
        assertThat(total("removed")).isEqualTo(1);
    }

    @Test
    void deletedContactLeavesTheListAndLosesBothPropertiesButTheProfileStays() {
        connect();
        String jane = email("jane");
        publishWindow("w1", List.of(added(jane, 1, "A")));
        awaitWindows(1);

        publishWindow("w2", List.of(deleted(jane, 2)));

        awaitWindows(2);
        assertThat(members()).isEmpty();
        assertThat(propertiesOf(jane)).doesNotContainKeys("nosto_segment", "nosto_segments");
        assertThat(klaviyo().deletionRequests()).isEmpty();
        assertThat(total("deleted")).isEqualTo(1);
    }

    @Test
    void removingAContactWhoseIdIsNotCachedLooksItUpByEmail() {
        connect();
        String jane = email("jane+tag");
        var seeded = klaviyo().seedProfile(jane, Map.of("nosto_segment", "A", "nosto_segments", List.of("A"), "other", 1));
        klaviyo().seedMembership(listId(), seeded.id());

        publishWindow("w1", List.of(removed(jane, 5)));

        awaitWindows(1);
        assertThat(members()).isEmpty();
        assertThat(propertiesOf(jane)).doesNotContainKeys("nosto_segment", "nosto_segments").containsEntry("other", 1);
        assertThat(emulator().calls().forKey(apiKey).stream().filter(c -> "get_profiles".equals(c.operationId()))).hasSize(1);
    }

    @Test
    void removingAnEmailKlaviyoDoesNotKnowIsSkippedAndNeverCreatesAProfile() {
        connect();
        String ghost = email("ghost");

        publishWindow("w1", List.of(removed(ghost, 1)));

        awaitWindows(1);
        assertThat(klaviyo().profileByEmail(ghost)).isEmpty();
        assertThat(klaviyo().profiles()).isEmpty();
        assertThat(total("skipped")).isEqualTo(1);
        assertThat(syncRuns().getList("[0].errors.outcome", String.class)).containsExactly("SKIPPED");
    }

    @Test
    void theSameBatchTwiceLeavesIdenticalStateAndMakesNoExtraWrites() {
        connect();
        var window = publishWindow("w1", List.of(added(email("a"), 1, "A"), added(email("b"), 1, "B")));
        awaitWindows(1);
        var profilesBefore = klaviyo().profiles();
        var membersBefore = members();
        long writesBefore = writeCalls();

        window.forEach(this::publish);
        // A window after the duplicate proves the duplicate was consumed (same partition, in order): a stale state, so
        // no write, but a sync run (a window without contacts would add none).
        publishWindow("w2", List.of(added(email("a"), 1, "A")));

        awaitWindows(2);
        assertThat(writeCalls()).isEqualTo(writesBefore);
        assertThat(klaviyo().profiles()).isEqualTo(profilesBefore);
        assertThat(members()).isEqualTo(membersBefore);
    }

    @Test
    void aStaleStateIsSkippedAndNeverOverwritesANewerOne() {
        connect();
        String jane = email("jane");
        publishWindow("w1", List.of(added(jane, 5, "New")));
        awaitWindows(1);

        publishWindow("w0", List.of(added(jane, 3, "Old")));

        awaitWindows(2);
        assertThat(propertiesOf(jane)).containsEntry("nosto_segment", "New");
        assertThat(total("skipped")).isEqualTo(1);
    }

    @Test
    void batchesForANotYetConnectedAccountAreKeptAndAppliedOnConnect() {
        String jane = email("jane");
        publishWindow("w1", List.of(added(jane, 1, "A")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection().getInt("parkedBatches")).as("its batch and end marker")
                .isEqualTo(2));

        connect();

        awaitWindows(1);
        assertThat(members()).containsExactly(jane);
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection().getInt("parkedBatches")).isZero());
    }

    @Test
    void syncRunsReportEachWindowsCounts() {
        connect();
        publishWindow("w1", List.of(added(email("a"), 1, "A"), added(email("b"), 1, "A")), List.of(added(email("c"), 1, "A")));

        awaitWindows(1);
        var runs = syncRuns();
        assertThat(runs.getList("windowId", String.class)).containsExactly("w1");
        assertThat(runs.getInt("[0].added")).isEqualTo(3);
        assertThat(runs.getInt("[0].batches")).as("two batches of contacts and the end marker").isEqualTo(3);
        assertThat(runs.getInt("[0].failed")).isZero();
    }

    @Test
    void aRestatedContactIsWrittenInFullEvenWhereTheLedgerSaysItWasApplied() {
        String list = connect();
        String jane = email("jane");
        publishWindow("w1", List.of(added(jane, 1, "A")));
        awaitWindows(1);
        // The list is deleted in Klaviyo: what the ledger says was applied is gone (issue 19).
        klaviyo().deleteList(list);

        publishWindow("w2", List.of(new ContactState(jane, true, "A", List.of("A"), 1, ChangeType.ADDED, true)));

        awaitWindows(2);
        assertThat(klaviyo().lists()).singleElement().satisfies(l -> assertThat(l.id()).isNotEqualTo(list));
        assertThat(members()).containsExactly(jane);
        assertThat(propertiesOf(jane)).containsEntry("nosto_segment", "A");
        // The same version again, not restated, is stale: no write.
        long writes = writeCalls();
        publishWindow("w3", List.of(added(jane, 1, "A")));
        awaitWindows(3);
        assertThat(writeCalls()).isEqualTo(writes);
    }
}
