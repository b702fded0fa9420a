package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.e2e.harness.KlaviyoRecorder.Call;
import com.nosto.klaviyo.e2e.harness.OutageChecks;
import com.nosto.klaviyo.e2e.harness.OutageChecks.SyncRun;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checks of ReplicasAndOutagesE2ETest on hand-made records: each finds what it should and nothing else. */
class OutageChecksTest {

    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void windowsOfOneAccountOverlapOnlyWhenTheirIntervalsDo() {
        List<SyncRun> runs = List.of(
                run("a", "w1", 0, 10), run("a", "w2", 10, 20), run("a", "w3", 15, 16),
                run("b", "w1", 5, 30), run("b", "w2", 31, 31));

        assertThat(OutageChecks.overlappingRuns(runs)).singleElement().asString().startsWith("a: w2").contains("overlaps w3");
    }

    @Test
    void callsOfTwoInstancesForOneAccountInFlightTogetherAreFound() {
        List<Call> calls = List.of(
                // gw-2 sends while gw-1's long call is still in flight: two holders at once
                call("gw-1", "pk_a", "POST", "/api/profile-bulk-import-jobs", 0, 400, 202, 0),
                call("gw-1", "pk_a", "GET", "/api/profiles", 10, 20, 200, 0),
                call("gw-2", "pk_a", "POST", "/api/profile-import", 300, 350, 201, 0),
                // turns handed over and back within milliseconds: gw-1, gw-2, gw-1, never in flight together
                call("gw-1", "pk_b", "POST", "/api/profile-import", 0, 100, 201, 0),
                call("gw-2", "pk_b", "POST", "/api/profile-import", 105, 200, 201, 0),
                call("gw-1", "pk_b", "POST", "/api/profile-import", 210, 300, 201, 0),
                // one instance's own parallel calls
                call("gw-1", "pk_c", "POST", "/api/profile-import", 0, 100, 201, 0),
                call("gw-1", "pk_c", "POST", "/api/profile-import", 50, 150, 201, 0));

        assertThat(OutageChecks.concurrentAppliers(calls)).singleElement().asString()
                .startsWith("pk_a: gw-1 POST /api/profile-bulk-import-jobs").contains("gw-2 POST /api/profile-import");
    }

    @Test
    void aCallBeforeTheRetryAfterOfA429IsFoundFromAnyInstance() {
        List<Call> calls = List.of(
                call("gw-1", "pk_a", "POST", "/api/lists/L1/relationships/profiles", 0, 10, 429, 2),
                call("gw-1", "pk_a", "POST", "/api/lists/L1/relationships/profiles", 2_010, 2_020, 204, 0),
                call("gw-1", "pk_b", "PATCH", "/api/profiles/P1", 0, 10, 429, 1),
                call("gw-2", "pk_b", "PATCH", "/api/profiles/P2", 500, 510, 200, 0),
                call("gw-1", "pk_b", "GET", "/api/profiles", 20, 30, 200, 0));

        assertThat(OutageChecks.earlyAfterThrottle(calls)).singleElement().asString()
                .startsWith("pk_b PATCH /api/profiles/{id}").contains("gw-2 called again 490 ms later");
        assertThat(OutageChecks.throttledPerAccount(calls)).isEqualTo(Map.of("pk_a", 1L, "pk_b", 1L));
    }

    @Test
    void a429WithNoAcceptedCallAfterItIsWorkGivenUp() {
        List<Call> calls = List.of(
                call("gw-1", "pk_a", "POST", "/api/profile-bulk-import-jobs", 0, 10, 429, 1),
                call("gw-1", "pk_a", "POST", "/api/profile-bulk-import-jobs", 1_100, 1_110, 202, 0),
                call("gw-1", "pk_b", "POST", "/api/profile-bulk-import-jobs", 0, 10, 202, 0),
                call("gw-1", "pk_b", "POST", "/api/profile-bulk-import-jobs", 20, 30, 429, 1));

        assertThat(OutageChecks.throttledAndGivenUp(calls)).singleElement().asString().startsWith("pk_b POST /api/profile-bulk-import-jobs");
    }

    @Test
    void aRoundPublishedAgainIsADuplicateNotAReorder() {
        // c: a crash between the broker's ack and the rows' deletion publishes the round again, in order
        OutageChecks.Versions v = OutageChecks.versions(List.of(
                Map.entry("c", 1L), Map.entry("c", 2L), Map.entry("c", 1L), Map.entry("c", 2L)));

        assertThat(v.decreases()).isEqualTo(1);
        assertThat(v.reordered()).isZero();
        assertThat(v.staleLast()).isZero();
        assertThat(v.duplicates()).isEqualTo(2);
    }

    @Test
    void aVersionFirstPublishedAfterANewerOneAndAnOlderVersionLastAreFound() {
        OutageChecks.Versions v = OutageChecks.versions(List.of(
                Map.entry("a", 2L), Map.entry("a", 1L), Map.entry("a", 3L),
                Map.entry("b", 1L), Map.entry("b", 2L), Map.entry("b", 1L)));

        assertThat(v.records()).isEqualTo(6);
        assertThat(v.decreases()).isEqualTo(2);
        assertThat(v.reordered()).isEqualTo(1);
        assertThat(v.staleLast()).isEqualTo(1);
        assertThat(v.duplicates()).isEqualTo(1);
        assertThat(v.examples()).containsExactly("a: version 1 first published after 2", "b: ends with version 1 after 2");
    }

    private static SyncRun run(String account, String window, int startSecond, int endSecond) {
        return new SyncRun(account, window, T.plusSeconds(startSecond), T.plusSeconds(endSecond));
    }

    private static Call call(String instance, String key, String method, String path, long start, long end, int status, long retryAfter) {
        long t = T.toEpochMilli();
        return new Call(instance, key, method, path, t + start, t + end, status, retryAfter);
    }
}
