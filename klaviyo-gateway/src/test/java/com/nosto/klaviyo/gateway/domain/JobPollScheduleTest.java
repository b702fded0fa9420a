package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobPollScheduleTest {

    private static final Duration INITIAL = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(5);

    private final JobPollSchedule schedule = new JobPollSchedule(INITIAL, MAX);

    @Test
    void anAccountWithoutFinishedJobsWaitsTheInitialIntervalThenDoublesUpToTheMaximum() {
        Duration first = schedule.firstWait("acme");
        assertThat(first).isEqualTo(INITIAL);

        Duration second = schedule.nextWait(first, first, 1);
        Duration third = schedule.nextWait(second, first, 2);
        Duration fourth = schedule.nextWait(third, first, 3);

        assertThat(second).isEqualTo(Duration.ofSeconds(2));
        assertThat(third).isEqualTo(Duration.ofSeconds(4));
        assertThat(fourth).isEqualTo(MAX);
        assertThat(schedule.nextWait(fourth, first, 4)).isEqualTo(MAX);
    }

    @Test
    void aJobThatNeededSeveralPollsSetsTheAccountsNextFirstWaitToTheTimeItTook() {
        schedule.completed("acme", INITIAL, 3, Duration.ofMillis(3_400));

        assertThat(schedule.firstWait("acme")).isEqualTo(Duration.ofMillis(3_400));
        assertThat(schedule.firstWait("other")).as("learnt per account").isEqualTo(INITIAL);
    }

    @Test
    void aLearntFirstWaitIsCappedAtTheMaximum() {
        schedule.completed("acme", INITIAL, 4, Duration.ofSeconds(40));

        assertThat(schedule.firstWait("acme")).isEqualTo(MAX);
    }

    @Test
    void aJobCompleteAtItsFirstPollShortensTheNextFirstWaitByATenthButNeverBelowTheInitialInterval() {
        schedule.completed("acme", INITIAL, 2, Duration.ofMillis(3_000));
        Duration first = schedule.firstWait("acme");

        schedule.completed("acme", first, 1, first);
        assertThat(schedule.firstWait("acme")).isEqualTo(Duration.ofMillis(2_700));

        schedule.completed("acme", Duration.ofMillis(1_050), 1, Duration.ofMillis(1_050));
        assertThat(schedule.firstWait("acme")).as("945 ms learnt is below the initial 1 s").isEqualTo(INITIAL);
    }

    @Test
    void afterALearntFirstWaitTheSecondPollComesAfterTheInitialInterval() {
        Duration learntFirst = Duration.ofMillis(3_000);

        // The job is late against what earlier jobs took: poll again soon rather than doubling 3 s.
        assertThat(schedule.nextWait(learntFirst, learntFirst, 1)).isEqualTo(INITIAL);
        assertThat(schedule.nextWait(INITIAL, learntFirst, 2)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void intervalsMustBePositiveAndOrdered() {
        assertThatThrownBy(() -> new JobPollSchedule(Duration.ZERO, MAX)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new JobPollSchedule(MAX, INITIAL)).isInstanceOf(IllegalArgumentException.class);
    }
}
