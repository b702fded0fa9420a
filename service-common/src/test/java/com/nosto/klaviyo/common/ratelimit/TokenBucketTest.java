package com.nosto.klaviyo.common.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aFullBucketGivesItsPermitsAtOnceThenSaysHowLongToWait() {
        TokenBucket bucket = new TokenBucket(3, Duration.ofSeconds(30), 0);
        assertThat(bucket.tryTake(0)).isZero();
        assertThat(bucket.tryTake(0)).isZero();
        assertThat(bucket.tryTake(0)).isZero();
        assertThat(bucket.tryTake(0)).isEqualTo(Duration.ofSeconds(10));
        assertThat(bucket.tryTake(4 * SECOND)).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void tokensComeBackAtTheConfiguredRateButNeverBeyondTheCapacity() {
        TokenBucket bucket = new TokenBucket(2, Duration.ofSeconds(10), 0);
        bucket.tryTake(0);
        bucket.tryTake(0);
        assertThat(bucket.tryTake(5 * SECOND)).isZero();
        assertThat(bucket.tryTake(5 * SECOND)).isPositive();
        // An hour idle refills two tokens, not 720.
        assertThat(bucket.tryTake(3600 * SECOND)).isZero();
        assertThat(bucket.tryTake(3600 * SECOND)).isZero();
        assertThat(bucket.tryTake(3600 * SECOND)).isPositive();
    }

    @Test
    void aRefusedCallTakesNothing() {
        TokenBucket bucket = new TokenBucket(1, Duration.ofSeconds(10), 0);
        bucket.tryTake(0);
        for (int i = 0; i < 100; i++) {
            assertThat(bucket.tryTake(SECOND)).isPositive();
        }
        assertThat(bucket.tryTake(10 * SECOND)).isZero();
    }

    @Test
    void nonsenseLimitsAreRefused() {
        assertThatThrownBy(() -> new TokenBucket(0, Duration.ofSeconds(1), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, Duration.ZERO, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
