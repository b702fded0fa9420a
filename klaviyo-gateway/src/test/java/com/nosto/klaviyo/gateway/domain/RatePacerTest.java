package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RatePacerTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RatePacer pacer = new RatePacer(now::get);

    @Test
    void burstLimitDefersTheNextCallToTheNextSecond() {
        RateLimit limit = new RateLimit(2, 100);
        assertThat(pacer.reserve("a", limit)).isZero();
        assertThat(pacer.reserve("a", limit)).isZero();
        assertThat(pacer.reserve("a", limit)).isEqualTo(Duration.ofMillis(1000));
        now.addAndGet(1000);
        assertThat(pacer.reserve("a", limit)).isZero();
    }

    @Test
    void steadyLimitDefersToTheNextMinute() {
        RateLimit limit = new RateLimit(100, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(pacer.reserve("a", limit)).isZero();
            now.addAndGet(1000);
        }
        Duration wait = pacer.reserve("a", limit);
        assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void accountsAndTiersHaveSeparateBuckets() {
        RateLimit limit = new RateLimit(1, 10);
        assertThat(pacer.reserve("acme/BULK", limit)).isZero();
        assertThat(pacer.reserve("other/BULK", limit)).isZero();
        assertThat(pacer.reserve("acme/PROFILES", limit)).isZero();
        assertThat(pacer.reserve("acme/BULK", limit)).isPositive();
    }

    @Test
    void retryAfterBlocksTheBucket() {
        RateLimit limit = new RateLimit(10, 100);
        pacer.blockFor("a", Duration.ofSeconds(3));
        assertThat(pacer.reserve("a", limit)).isEqualTo(Duration.ofSeconds(3));
        now.addAndGet(3000);
        assertThat(pacer.reserve("a", limit)).isZero();
    }

    @Test
    void aCallSentAtTheEndOfASecondAlsoCountsInTheNextOne() {
        RatePacer margined = new RatePacer(now::get, Duration.ofMillis(250));
        RateLimit limit = new RateLimit(3, 100);
        assertThat(margined.reserve("a", limit)).isZero();          // at .000: this second only
        now.addAndGet(800);
        assertThat(margined.reserve("a", limit)).isZero();          // at .800: may arrive in the next second
        assertThat(margined.reserve("a", limit)).isZero();
        assertThat(margined.reserve("a", limit)).isEqualTo(Duration.ofMillis(200));
        now.addAndGet(200);
        // Two of the next second's three went to the last calls, which may be counted there.
        assertThat(margined.reserve("a", limit)).isZero();
        assertThat(margined.reserve("a", limit)).isEqualTo(Duration.ofMillis(1000));
        now.addAndGet(1000);
        assertThat(margined.reserve("a", limit)).isZero();
        assertThat(margined.reserve("a", limit)).isZero();
        assertThat(margined.reserve("a", limit)).isZero();
    }

    @Test
    void withoutAMarginEveryCallCountsInItsOwnSecondOnly() {
        RateLimit limit = new RateLimit(2, 100);
        now.addAndGet(900);
        assertThat(pacer.reserve("a", limit)).isZero();
        assertThat(pacer.reserve("a", limit)).isZero();
        now.addAndGet(100);
        assertThat(pacer.reserve("a", limit)).isZero();
        assertThat(pacer.reserve("a", limit)).isZero();
    }

    @Test
    void theMarginAppliesToTheMinuteWindowToo() {
        RatePacer margined = new RatePacer(now::get, Duration.ofMillis(250));
        RateLimit limit = new RateLimit(100, 2);
        now.addAndGet(19_900);                                       // 100 ms before a minute ends (the clock starts 40 s into one)
        assertThat(margined.reserve("a", limit)).isZero();
        now.addAndGet(100);
        assertThat(margined.reserve("a", limit)).isZero();
        assertThat(margined.reserve("a", limit)).isPositive();
    }

    @Test
    void aMarginOfASecondOrMoreIsRefused() {
        assertThatThrownBy(() -> new RatePacer(now::get, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesSpecNotation() {
        assertThat(RateLimit.parse("10/s,150/m")).isEqualTo(new RateLimit(10, 150));
        assertThatThrownBy(() -> RateLimit.parse("fast")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAccountsBucketsTravelToAnotherPacerSoItsBudgetIsNotSpentTwice() {
        RateLimit limit = new RateLimit(100, 3);
        RatePacer other = new RatePacer(now::get);
        assertThat(pacer.reserve(RatePacer.key("acme", "create_or_update_profile"), limit)).isZero();
        assertThat(pacer.reserve(RatePacer.key("acme", "create_or_update_profile"), limit)).isZero();
        assertThat(pacer.reserve(RatePacer.key("acme-2", "create_or_update_profile"), limit)).isZero();

        var saved = pacer.export("acme", true);
        other.restore("acme", saved);

        assertThat(saved).containsOnlyKeys("create_or_update_profile");
        assertThat(other.reserve(RatePacer.key("acme", "create_or_update_profile"), limit)).as("the third call of the minute").isZero();
        assertThat(other.reserve(RatePacer.key("acme", "create_or_update_profile"), limit)).as("a fourth waits for the next minute")
                .isPositive();
        assertThat(pacer.export("acme", false)).as("forgotten where it was exported from").isEmpty();
        assertThat(pacer.export("acme-2", false)).hasSize(1);
    }

    @Test
    void restoringKeepsTheLargerCountAndTheLaterBlock() {
        RateLimit limit = new RateLimit(100, 10);
        String key = RatePacer.key("acme", "get_profiles");
        for (int i = 0; i < 5; i++) {
            pacer.reserve(key, limit);
        }
        RatePacer older = new RatePacer(now::get);
        older.reserve(key, limit);
        older.blockFor(key, Duration.ofSeconds(5));
        pacer.restore("acme", older.export("acme", false));
        var merged = pacer.export("acme", false).get("get_profiles");
        assertThat(merged.minuteCount()).isEqualTo(5);
        assertThat(pacer.reserve(key, limit)).as("blocked by the other replica's Retry-After").isPositive();
    }
}
