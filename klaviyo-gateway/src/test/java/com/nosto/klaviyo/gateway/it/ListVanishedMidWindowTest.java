package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ContactState;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The list is checked once per window (at its first chunk), so a list deleted in Klaviyo between two chunks of one
 * window is found by the next chunk's own call: its bulk job naming the list is refused (400 {@code not_found} at
 * {@code /data/relationships/lists/data/0/id}), and that chunk re-creates the list and submits again. Same profile as
 * {@link ReplicasTest}: chunks of 10 contacts, 5 or more upserts in bulk, one gateway replica applying.
 */
@QuarkusTest
@TestProfile(ReplicasTest.Replicas.class)
class ListVanishedMidWindowTest extends GatewayTestBase {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    SecondGateway.Shared shared;

    private SecondGateway replica;

    @AfterEach
    void stopReplica() {
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void aListDeletedBetweenTwoChunksIsRecreatedByTheNextChunkAndTheWindowGoesOn() {
        String original = connect();
        emulator().faults().slowBulkJobs(Duration.ofSeconds(2));
        List<List<ContactState>> batches = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            List<ContactState> people = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                people.add(added(email("c" + b + "x" + i), 1, "A"));
            }
            batches.add(people);
        }
        publishWindow("w1", batches.toArray(List[]::new));
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection().getInt("parkedBatches")).isEqualTo(5));
        replica = new SecondGateway("pod-a", 1, shared).renewing().scheduling();

        // The first chunk's job is running (2 s): the merchant deletes the list meanwhile.
        await().atMost(WAIT).until(() -> calls("bulk_import_profiles") == 1);
        assertThat(klaviyo().deleteList(original)).isTrue();

        awaitWindows(1);
        await().atMost(WAIT).until(() -> connection().getInt("parkedBatches") == 0);
        assertThat(calls("get_list")).as("the list checked once for the window").isEqualTo(1);
        assertThat(calls("create_list")).as("created at connect, re-created once").isEqualTo(2);
        assertThat(klaviyo().lists()).singleElement().satisfies(l -> {
            assertThat(l.id()).isNotEqualTo(original);
            assertThat(l.name()).isEqualTo("Nosto Customers");
        });
        assertThat(listId()).isNotEqualTo(original);
        // The first chunk's members went with the deleted list (an audit finds and repairs them); every later chunk's
        // contacts are members of the new one, the refused job submitted again.
        assertThat(members()).hasSize(30).allMatch(m -> !m.startsWith("c0x"));
        assertThat(calls("bulk_import_profiles")).isEqualTo(5);
        assertThat(syncRuns().getInt("[0].added")).isEqualTo(40);
        assertThat(syncRuns().getInt("[0].failed")).isZero();
    }

    private long calls(String operationId) {
        return emulator().calls().forKey(apiKey).stream().filter(c -> operationId.equals(c.operationId())).count();
    }
}
