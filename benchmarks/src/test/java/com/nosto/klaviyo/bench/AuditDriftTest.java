package com.nosto.klaviyo.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.events.EventJson;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The audit figure's pure parts: the drift it makes, where it makes it, and how a report is checked against it. */
class AuditDriftTest {

    private static final Limits.Caps KLAVIYO = new Limits.Caps(10_000, 1_000, 100);

    @Test
    void onePercentOfTheFullWindowsListIsTwelveHundredContactsAndFourWritesToRepair() {
        // The full window leaves 120,000 members: 360 missing, 360 foreign (180 carrying a Nosto property), 240 edited,
        // 240 deleted, 1,200 in all, and the list renamed.
        AuditDrift d = AuditDrift.onePercentOf(120_000);
        assertThat(d).isEqualTo(new AuditDrift(360, 360, 180, 240, 240));
        assertThat(d.contacts()).isEqualTo(1_200);
        assertThat(d.listedAfter(120_000)).isEqualTo(119_760);
        assertThat(d.expectedDrift()).containsExactly(Map.entry("MISSING", 360), Map.entry("FOREIGN", 360),
                Map.entry("PROPERTIES", 240), Map.entry("PROFILE_GONE", 240), Map.entry("LIST_MISSING", 0),
                Map.entry("LIST_RENAMED", 1), Map.entry("LIST_DUPLICATE", 0));
        assertThat(Limits.minimumRepairWrites(d.repairDrift(), KLAVIYO)).isEqualTo(4);
        // The smoke run's 1,200 members: at least one of each class.
        assertThat(AuditDrift.onePercentOf(1_200)).isEqualTo(new AuditDrift(3, 3, 2, 2, 2));
        assertThat(AuditDrift.onePercentOf(10)).isEqualTo(new AuditDrift(1, 1, 1, 1, 1));
    }

    @Test
    void picksAreDistinctAndSpreadOverTheWholeList() {
        int[] picks = AuditDrift.spread(120_000, 840);
        assertThat(Arrays.stream(picks).distinct().count()).isEqualTo(840);
        assertThat(picks).startsWith(0).isSorted();
        assertThat(picks[839]).isGreaterThan(119_000).isLessThan(120_000);
        assertThat(AuditDrift.spread(3, 3)).containsExactly(0, 1, 2);
        assertThat(AuditDrift.spread(5, 0)).isEmpty();
        assertThatThrownBy(() -> AuditDrift.spread(2, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReportMatchesOnlyWhenEveryClassHasTheExpectedCount() throws Exception {
        Map<String, Integer> expected = AuditDrift.onePercentOf(1_200).expectedDrift();
        JsonNode exact = EventJson.mapper().readTree("{\"MISSING\":3,\"FOREIGN\":3,\"PROPERTIES\":2,\"PROFILE_GONE\":2,"
                + "\"LIST_MISSING\":0,\"LIST_RENAMED\":1,\"LIST_DUPLICATE\":0}");
        JsonNode oneMore = EventJson.mapper().readTree("{\"MISSING\":4,\"FOREIGN\":3,\"PROPERTIES\":2,\"PROFILE_GONE\":2,"
                + "\"LIST_RENAMED\":1}");
        JsonNode none = EventJson.mapper().readTree("{\"MISSING\":0,\"FOREIGN\":0,\"PROPERTIES\":0,\"PROFILE_GONE\":0,"
                + "\"LIST_MISSING\":0,\"LIST_RENAMED\":0,\"LIST_DUPLICATE\":0}");
        assertThat(AuditDrift.driftMatches(expected, exact)).isTrue();
        assertThat(AuditDrift.driftMatches(expected, oneMore)).isFalse();
        assertThat(AuditDrift.noDrift(none)).isTrue();
        assertThat(AuditDrift.noDrift(exact)).isFalse();
        // A class missing from the answer counts as 0, so an empty answer is no drift, never a match for real drift.
        assertThat(AuditDrift.noDrift(EventJson.mapper().readTree("{}"))).isTrue();
        assertThat(AuditDrift.driftMatches(expected, EventJson.mapper().readTree("{}"))).isFalse();
    }
}
