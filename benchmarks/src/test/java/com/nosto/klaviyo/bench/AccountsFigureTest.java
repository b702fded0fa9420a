package com.nosto.klaviyo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Figure 7's percentiles (nearest rank) and its sizes per scale. */
class AccountsFigureTest {

    @Test
    void nearestRankPercentiles() {
        List<Double> hundred = new java.util.ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            hundred.add((double) i);
        }
        assertThat(AccountsFigure.percentile(hundred, 50)).isEqualTo(50.0);
        assertThat(AccountsFigure.percentile(hundred, 99)).isEqualTo(99.0);
        assertThat(AccountsFigure.percentile(List.of(3.0, 1.0, 2.0), 50)).isEqualTo(2.0);
        // Fewer than 100 values: p99 is the largest.
        assertThat(AccountsFigure.percentile(List.of(3.0, 1.0, 2.0), 99)).isEqualTo(3.0);
        assertThat(AccountsFigure.percentile(List.of(), 99)).isZero();
    }

    @Test
    void sizesOfFiguresSevenAndEight() {
        Sizes full = Sizes.full();
        assertThat(List.of(full.accounts(), full.accountContacts(), full.largeAccount(), full.firstEnable()))
                .containsExactly(1_000, 100, 100_000, 1_000_000);
        Sizes small = Sizes.small();
        assertThat(List.of(small.accounts(), small.accountContacts(), small.largeAccount(), small.firstEnable()))
                .containsExactly(50, 20, 10_000, 20_000);
        Sizes tiny = Sizes.tiny();
        assertThat(List.of(tiny.accounts(), tiny.accountContacts(), tiny.largeAccount(), tiny.firstEnable()))
                .containsExactly(5, 5, 1_000, 500);
        // A small account stays at or above the scaled bulk threshold (100 / divisor): one bulk job, as at full size.
        for (Sizes s : List.of(full, small, tiny)) {
            assertThat(s.accountContacts()).isGreaterThanOrEqualTo(s.chunk(100));
        }
        assertThat(Benchmark.Part.named("first-enable")).isEqualTo(Benchmark.Part.FIRST_ENABLE);
        assertThat(Benchmark.Part.named("accounts")).isEqualTo(Benchmark.Part.ACCOUNTS);
    }
}
