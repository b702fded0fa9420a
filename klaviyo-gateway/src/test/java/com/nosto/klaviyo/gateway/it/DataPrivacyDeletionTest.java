package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.emulator.Call;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The data-privacy path, off by default: with {@code klaviyo.delete-profiles-on-nosto-delete=true} a contact
 * deleted in Nosto also has its Klaviyo profile deleted (one data-privacy-deletion job by profile id), after it
 * left the list; a contact who only left the synced segments keeps the profile, and nobody else is touched.
 */
@QuarkusTest
@TestProfile(DataPrivacyDeletionTest.DeleteProfiles.class)
class DataPrivacyDeletionTest extends GatewayTestBase {

    public static class DeleteProfiles implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("klaviyo.delete-profiles-on-nosto-delete", "true");
        }
    }

    private void awaitBatches(int n) {
        awaitWindows(n);
    }

    @Test
    void aContactDeletedInNostoHasItsProfileDeletedByIdWhileOneWhoOnlyLeftKeepsIt() {
        connect();
        String jane = email("jane");
        String john = email("john");
        String ann = email("ann");
        publishWindow("w1", List.of(added(jane, 1, "A"), added(john, 1, "A"), added(ann, 1, "B")));
        awaitBatches(1);
        String janesId = klaviyo().profileByEmail(jane).orElseThrow().id();

        publishWindow("w2", List.of(deleted(jane, 2), removed(john, 2)));

        awaitBatches(2);
        assertThat(klaviyo().deletionRequests()).as("one deletion job, for jane's profile by id").hasSize(1)
                .allSatisfy(body -> assertThat(body).contains(janesId).doesNotContain(jane));
        assertThat(klaviyo().profileByEmail(jane)).as("jane's profile").isEmpty();
        assertThat(klaviyo().profileByEmail(john)).as("john only left: his profile stays").isPresent();
        assertThat(propertiesOf(john)).doesNotContainKeys("nosto_segment", "nosto_segments");
        assertThat(members()).containsExactly(ann);
        assertThat(propertiesOf(ann)).containsEntry("nosto_segment", "B");
        assertThat(emulator().calls().forKey(apiKey).stream().map(Call::operationId).filter("request_profile_deletion"::equals))
                .hasSize(1);
        assertThat(total("deleted")).isEqualTo(1);
        assertThat(total("failed")).isZero();
    }

    @Test
    void aDeletionKlaviyoRefusesIsReportedAsAFailedContactNotLost() {
        connect();
        String jane = email("jane");
        publishWindow("w1", List.of(added(jane, 1, "A")));
        awaitBatches(1);
        emulator().faults().failNext("request_profile_deletion", 400, 1);

        publishWindow("w2", List.of(deleted(jane, 2)));

        awaitBatches(2);
        assertThat(members()).as("the list removal happened before the refused deletion").isEmpty();
        assertThat(klaviyo().profileByEmail(jane)).as("Klaviyo refused: the profile is still there").isPresent();
        assertThat(total("failed")).isEqualTo(1);
    }
}
