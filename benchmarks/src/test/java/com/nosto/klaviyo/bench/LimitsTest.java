package com.nosto.klaviyo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitsTest {

    private static final Limits.Caps KLAVIYO = new Limits.Caps(10_000, 1_000, 100);

    @Test
    void theIssuesWindowNeedsFortyWriteCalls() {
        // 120,000 upserts in 12 jobs; 25,000 leaving: 25 list removals and 3 unset jobs.
        assertThat(Limits.minimumWrites(100_000, 20_000, 20_000, 5_000, KLAVIYO)).isEqualTo(40);
        assertThat(Limits.minimumCalls(100_000, 20_000, 20_000, 5_000, 0, KLAVIYO))
                .containsEntry("bulk_import_profiles", 15L).containsEntry("remove_profiles_from_list", 25L)
                .doesNotContainKey("get_profiles");
    }

    @Test
    void idsNoClientCanKnowAreLookedUpAHundredAtATimeWithoutAddingWrites() {
        // 25,000 leaving contacts whose profiles were bulk-imported: 250 get_profiles pages of 100 emails.
        assertThat(Limits.minimumCalls(100_000, 20_000, 20_000, 5_000, 25_000, KLAVIYO)).containsEntry("get_profiles", 250L);
        assertThat(Limits.minimumCalls(100_000, 20_000, 20_000, 5_000, 101, KLAVIYO)).containsEntry("get_profiles", 2L);
        assertThat(Limits.minimumWrites(100_000, 20_000, 20_000, 5_000, KLAVIYO)).isEqualTo(40);
    }

    @Test
    void lookupsDecideTheTimeAtTheFullRunsScale() {
        // Full run, limits x0.1: get_profiles 8/s, 75/m -> 250 lookups need the start of the fourth minute; without
        // them the 25 list removals at 1/s, 15/m decide: the start of the second minute (separate quotas).
        Map<String, Limits.Rate> rates = Map.of(
                "get_profiles", new Limits.Rate(Limits.scale(75, 0.1), Limits.scale(750, 0.1)),
                "bulk_import_profiles", new Limits.Rate(1, 15), "get_bulk_import_profiles_job", new Limits.Rate(1, 15),
                "remove_profiles_from_list", new Limits.Rate(1, 15));
        Duration withLookups = Limits.imposedTime(Limits.minimumCalls(100_000, 20_000, 20_000, 5_000, 25_000, KLAVIYO), rates,
                Duration.ZERO);
        Duration idsKnown = Limits.imposedTime(Limits.minimumCalls(100_000, 20_000, 20_000, 5_000, 0, KLAVIYO), rates,
                Duration.ZERO);
        assertThat(withLookups).isEqualTo(Duration.ofMinutes(3));
        assertThat(idsKnown).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void clockAlignedWindowsCanGiveAFirstAlmostEmptyWindowFree() {
        // 250 lookups at 8/s, 75/m: four minute-windows' worth; at best the first is a sliver, so the last call goes
        // two whole minutes after the first (the limit measured from the first call says three).
        Limits.Rate lookups = new Limits.Rate(8, 75);
        assertThat(Limits.timeForCallsBestAlignment(250, lookups)).isEqualTo(Duration.ofMinutes(2));
        assertThat(Limits.timeForCalls(250, lookups)).isEqualTo(Duration.ofMinutes(3));
        // 25 calls at 10/s: three one-second windows' worth, at best one second apart.
        assertThat(Limits.timeForCallsBestAlignment(25, new Limits.Rate(10, 150))).isEqualTo(Duration.ofSeconds(1));
        assertThat(Limits.timeForCallsBestAlignment(10, new Limits.Rate(10, 150))).isEqualTo(Duration.ZERO);
        // No bulk job among the calls: no job processing time added.
        assertThat(Limits.imposedTime(Map.of("get_profiles", 250L), Map.of("get_profiles", lookups), Duration.ofMillis(200), true))
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void unknownIdsCannotExceedTheContactsLeaving() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Limits.minimumCalls(10, 0, 5, 5, 11, KLAVIYO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scaledCapsKeepTheCallCount() {
        assertThat(Limits.minimumWrites(1_000, 200, 200, 50, new Limits.Caps(100, 10, 1))).isEqualTo(40);
    }

    @Test
    void burstWindowBindsBelowTheMinuteQuota() {
        // 25 calls at 10/s, 150/m: call 25 goes in the third second.
        assertThat(Limits.timeForCalls(25, new Limits.Rate(10, 150))).isEqualTo(Duration.ofSeconds(2));
        assertThat(Limits.timeForCalls(1, new Limits.Rate(10, 150))).isEqualTo(Duration.ZERO);
    }

    @Test
    void minuteWindowBindsAboveTheMinuteQuota() {
        // 25 calls at 1/s, 15/m: the 16th cannot go before the second minute.
        assertThat(Limits.timeForCalls(25, new Limits.Rate(1, 15))).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void slowestOperationDecidesPlusOneJobsProcessing() {
        Duration t = Limits.imposedTime(Map.of("bulk_import_profiles", 15L, "remove_profiles_from_list", 25L),
                Map.of("bulk_import_profiles", new Limits.Rate(10, 150), "remove_profiles_from_list", new Limits.Rate(10, 150)),
                Duration.ofMillis(200));
        assertThat(t).isEqualTo(Duration.ofMillis(2_200));
    }

    @Test
    void scalingRoundsLikeTheEmulatorAndNeverReachesZero() {
        assertThat(Limits.scale(150, 0.1)).isEqualTo(15);
        assertThat(Limits.scale(3, 0.1)).isEqualTo(1);
    }

    @Test
    void anAuditOfAHundredThousandMembersReadsAThousandPagesWhichTheMembersLimitPaces() {
        // 1,000 pages of 100 and the two list reads; at Klaviyo's 75/s, 750/m the pages need the start of the second
        // minute (the list reads have quotas of their own); with 600 members not listed, 6 lookups beside them.
        Map<String, Long> reads = Limits.auditReads(100_000, 0, KLAVIYO);
        assertThat(reads).containsExactly(Map.entry("get_list", 1L), Map.entry("get_lists", 1L),
                Map.entry("get_profiles_for_list", 1_000L));
        assertThat(Limits.auditReads(100_000, 600, KLAVIYO)).containsEntry("get_profiles", 6L);
        assertThat(Limits.auditReads(0, 0, KLAVIYO)).containsEntry("get_profiles_for_list", 1L);
        Map<String, Limits.Rate> rates = Map.of("get_list", new Limits.Rate(75, 750), "get_lists", new Limits.Rate(75, 750),
                "get_profiles_for_list", new Limits.Rate(75, 750), "get_profiles", new Limits.Rate(75, 750));
        assertThat(Limits.imposedTime(reads, rates, Duration.ofMillis(200))).isEqualTo(Duration.ofSeconds(60));
        // The full run's limits x0.5 (38/s, 375/m): 120,000 members, 1,200 pages, the start of the fourth minute.
        Limits.Rate half = new Limits.Rate(Limits.scale(75, 0.5), Limits.scale(750, 0.5));
        assertThat(Limits.timeForCalls(Limits.auditReads(120_000, 0, KLAVIYO).get("get_profiles_for_list"), half))
                .isEqualTo(Duration.ofMinutes(3));
    }

    @Test
    void aRepairOfOnePercentDriftNeedsFourWrites() {
        // 120,000 members, 1 %: 360 missing and 240 wrong properties share one bulk job; 360 foreign members are
        // removed in one call and the 180 carrying a Nosto property unset in one more job; the list renamed back once;
        // 240 gone profiles cost nothing.
        Limits.RepairDrift drift = new Limits.RepairDrift(360, 240, 360, 180, 240, true);
        assertThat(Limits.minimumRepairCalls(drift, KLAVIYO)).containsEntry("bulk_import_profiles", 2L)
                .containsEntry("remove_profiles_from_list", 1L).containsEntry("update_list", 1L)
                .containsEntry("get_bulk_import_profiles_job", 2L);
        assertThat(Limits.minimumRepairWrites(drift, KLAVIYO)).isEqualTo(4);
        // No drift, no write; 12,000 missing take two jobs; 1,001 foreign members two removals.
        assertThat(Limits.minimumRepairWrites(new Limits.RepairDrift(0, 0, 0, 0, 0, false), KLAVIYO)).isZero();
        assertThat(Limits.minimumRepairWrites(new Limits.RepairDrift(12_000, 0, 1_001, 0, 5, false), KLAVIYO)).isEqualTo(4);
        assertThat(Limits.minimumRepairWrites(new Limits.RepairDrift(0, 0, 0, 0, 240, false), KLAVIYO)).isZero();
    }

    @Test
    void anAuditAndItsRepairTogetherLookUpTheMembersNotListed() {
        // The drifted list holds 120,000 - 360 missing - 240 gone + 360 foreign = 119,760 members: 1,198 pages; the 600
        // ledger members not listed are looked up, 100 a call.
        Limits.RepairDrift drift = new Limits.RepairDrift(360, 240, 360, 180, 240, true);
        Map<String, Long> total = Limits.minimumAuditAndRepairCalls(119_760, drift, KLAVIYO);
        assertThat(total).containsEntry("get_profiles_for_list", 1_198L).containsEntry("get_profiles", 6L)
                .containsEntry("bulk_import_profiles", 2L).containsEntry("update_list", 1L);
        // Nothing to repair: only the reads, no zero entries.
        assertThat(Limits.minimumAuditAndRepairCalls(120_000, new Limits.RepairDrift(0, 0, 0, 0, 0, false), KLAVIYO))
                .containsOnlyKeys("get_list", "get_lists", "get_profiles_for_list");
    }
}
