package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.emulator.Profile;
import com.nosto.klaviyo.gateway.service.AuditScheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scheduled audit (a dry run here): an account whose due time passed is audited once, even when two replicas' ticks
 * run at once (the lease and the check under it), and not again before its next due time. The ticks are run by the test
 * (the schedule's own tick is an hour away).
 */
@QuarkusTest
@TestProfile(ScheduledAuditTest.Hourly.class)
class ScheduledAuditTest extends GatewayTestBase {

    public static class Hourly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.audit.interval", "1h", "gateway.audit.tick", "1h");
        }
    }

    @Inject
    AuditScheduler scheduler;

    @Test
    void aDueAccountIsAuditedOnceWhenTwoReplicasTickAtOnce() {
        String list = connect();
        publishWindow("w1", List.of(added(email("a"), 1, "A"), added(email("b"), 1, "B")));
        awaitWindows(1);
        klaviyo().removeMembers(list, List.of(klaviyo().profileByEmail(email("a")).map(Profile::id).orElseThrow()));
        // Connected two hours ago: its hourly due time has passed since.
        execute("UPDATE klaviyo_gateway.klaviyo_connection SET connected_at = now() - interval '2 hours' WHERE account_id = ?", accountId);
        long writes = writeCalls();

        Uni.combine().all().unis(scheduler.tick(), scheduler.tick()).discardItems().await().atMost(Duration.ofSeconds(90));
        scheduler.tick().await().atMost(Duration.ofSeconds(90));

        JsonPath runs = syncRuns();
        assertThat(runs.getList("windowKind", String.class)).containsExactly("AUDIT", "REGULAR");
        assertThat(runs.getInt("[0].drift.MISSING")).isEqualTo(1);
        assertThat(writeCalls()).as("a scheduled dry run writes nothing").isEqualTo(writes);
    }
}
