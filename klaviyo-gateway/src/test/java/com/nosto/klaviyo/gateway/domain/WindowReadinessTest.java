package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.gateway.domain.WindowReadiness.Part;
import com.nosto.klaviyo.gateway.domain.WindowReadiness.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowReadinessTest {

    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
    private static final Duration MAX_WAIT = Duration.ofMinutes(5);

    private static WindowReadiness.Verdict at(Duration after, List<Part> inbox, Map<Integer, Integer> applied) {
        return WindowReadiness.of(inbox, applied, T0, T0.plus(after), MAX_WAIT);
    }

    @Test
    void aWindowIsCompleteWhenTheMarkersOfAllItsPartitionsAreIn() {
        List<Part> all = List.of(new Part(0, true, 3), new Part(1, true, 3), new Part(2, true, 3));
        assertThat(at(Duration.ZERO, all, Map.of()).state()).isEqualTo(State.COMPLETE);
        assertThat(at(Duration.ZERO, all.subList(0, 2), Map.of()).state()).isEqualTo(State.WAITING);
    }

    @Test
    void aPartitionWithBatchesButNoMarkerKeepsTheWindowWaiting() {
        // Markers of 2 partitions of 2, but partition 5 sent batches without its marker (a late or odd release).
        List<Part> inbox = List.of(new Part(0, true, 2), new Part(1, true, 2), new Part(5, false, null));
        assertThat(at(Duration.ofMinutes(1), inbox, Map.of()).state()).isEqualTo(State.WAITING);
    }

    @Test
    void markersAppliedBeforeCountSoTheRestOfAWindowCompletesAtItsOwnMarker() {
        List<Part> rest = List.of(new Part(2, true, 3));
        assertThat(at(Duration.ZERO, rest, Map.of(0, 3, 1, 3)).state()).isEqualTo(State.COMPLETE);
        assertThat(at(Duration.ZERO, rest, Map.of(0, 3)).state()).isEqualTo(State.WAITING);
    }

    @Test
    void aMarkerSentTwiceCountsOnce() {
        List<Part> inbox = List.of(new Part(0, true, 2));
        assertThat(at(Duration.ZERO, inbox, Map.of(0, 2)).state()).isEqualTo(State.WAITING);
    }

    @Test
    void aWindowWhoseMarkerNeverComesIsReadyAtMaxWaitAfterItsOldestBatch() {
        List<Part> inbox = List.of(new Part(0, true, 2));
        WindowReadiness.Verdict before = at(MAX_WAIT.minusSeconds(1), inbox, Map.of());
        assertThat(before.state()).isEqualTo(State.WAITING);
        assertThat(before.readyAt()).isEqualTo(T0.plus(MAX_WAIT));
        assertThat(at(MAX_WAIT, inbox, Map.of()).state()).isEqualTo(State.MAX_WAIT);
        assertThat(at(MAX_WAIT, inbox, Map.of()).ready()).isTrue();
    }

    @Test
    void aBatchWithoutASourcePartitionIsNeverCompleteOnlyReadyAtMaxWait() {
        List<Part> inbox = List.of(new Part(0, true, 1), new Part(null, false, null));
        assertThat(at(Duration.ofMinutes(1), inbox, Map.of()).state()).isEqualTo(State.WAITING);
        assertThat(at(MAX_WAIT, inbox, Map.of()).state()).isEqualTo(State.MAX_WAIT);
    }

    @Test
    void theLargestStatedPartitionCountDecides() {
        List<Part> inbox = List.of(new Part(0, true, 1), new Part(1, true, 3));
        assertThat(at(Duration.ZERO, inbox, Map.of()).state()).isEqualTo(State.WAITING);
    }
}
