package com.nosto.klaviyo.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.worker.messaging.OutboxRelay;
import com.nosto.klaviyo.worker.service.ReleaseScheduler;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.FailedExecution;
import io.quarkus.scheduler.SkippedExecution;
import io.quarkus.scheduler.SuccessfulExecution;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Alternative;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A start under load, made slow on purpose where it hurts: Quarkus starts its scheduler (startup priority 0) before it
 * connects the messaging channels (priority 1000), and {@link SlowStart} sleeps between the two until the outbox
 * relay's and the release loop's first ticks have fired. Before the loops skipped while the application was not
 * running, the relay's first tick created its bean while its emitter was not connected and failed with
 * {@code SRMSG00019} (an ERROR in the log of every slow start); now those ticks are skipped and the loops run once the
 * service has started.
 */
@QuarkusTest
@TestProfile(SlowStartTest.Profile.class)
class SlowStartTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(SlowStart.class);
        }
    }

    /** Holds the start between the scheduler's start and the channels' connection; records the loops' executions. */
    @Alternative
    @ApplicationScoped
    public static class SlowStart {
        static final List<String> skippedWhileStarting = new CopyOnWriteArrayList<>();
        static final List<String> failed = new CopyOnWriteArrayList<>();
        static final List<String> succeeded = new CopyOnWriteArrayList<>();
        static final List<String> firedWhileStarting = new CopyOnWriteArrayList<>();
        static volatile boolean starting;

        void holdStart(@Observes @Priority(500) StartupEvent event) {
            starting = true;
            try {
                Awaitility.await("the loops' first ticks during the start").atMost(20, TimeUnit.SECONDS)
                        .until(() -> firedWhileStarting.containsAll(List.of(OutboxRelay.LOOP, ReleaseScheduler.LOOP)));
            } finally {
                starting = false;
            }
        }

        void skipped(@Observes SkippedExecution execution) {
            if (starting) {
                skippedWhileStarting.add(execution.triggerId);
                firedWhileStarting.add(execution.triggerId);
            }
        }

        void failed(@Observes FailedExecution execution) {
            String loop = execution.getExecution().getTrigger().getId();
            failed.add(loop + ": " + execution.getException());
            if (starting) {
                firedWhileStarting.add(loop);
            }
        }

        void succeeded(@Observes SuccessfulExecution execution) {
            String loop = execution.getExecution().getTrigger().getId();
            succeeded.add(loop);
            if (starting) {
                firedWhileStarting.add(loop);
            }
        }
    }

    @Test
    void loopsTickingBeforeTheChannelsAreConnectedAreSkippedNotFailed() {
        assertThat(SlowStart.skippedWhileStarting).as("ticks skipped while the service was starting")
                .contains(OutboxRelay.LOOP, ReleaseScheduler.LOOP);
        Awaitility.await("the loops run once started").atMost(20, TimeUnit.SECONDS)
                .until(() -> SlowStart.succeeded.containsAll(List.of(OutboxRelay.LOOP, ReleaseScheduler.LOOP)));
        assertThat(SlowStart.failed).as("failed loop executions").isEmpty();
    }
}
