package com.nosto.klaviyo.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.jboss.logging.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogContextTest {

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void aScopePutsItsIdsAndTakesThemAwayOnClose() {
        try (LogContext ignored = LogContext.account("acme").window("w1").batch("b1").event("e1")) {
            assertThat(MDC.get(LogContext.ACCOUNT_ID)).isEqualTo("acme");
            assertThat(MDC.get(LogContext.WINDOW_ID)).isEqualTo("w1");
            assertThat(MDC.get(LogContext.BATCH_ID)).isEqualTo("b1");
            assertThat(MDC.get(LogContext.EVENT_ID)).isEqualTo("e1");
        }
        assertThat(MDC.getMap()).doesNotContainKeys(LogContext.ACCOUNT_ID, LogContext.WINDOW_ID, LogContext.BATCH_ID,
                LogContext.EVENT_ID);
    }

    @Test
    void anInnerScopePutsBackWhatTheOuterOneHad() {
        try (LogContext outer = LogContext.account("acme").window("w1")) {
            LogContext.account("other").event("e2").run(() -> {
                assertThat(MDC.get(LogContext.ACCOUNT_ID)).isEqualTo("other");
                assertThat(MDC.get(LogContext.WINDOW_ID)).isEqualTo("w1");
            });
            assertThat(MDC.get(LogContext.ACCOUNT_ID)).isEqualTo("acme");
            assertThat(MDC.get(LogContext.EVENT_ID)).isNull();
        }
    }

    @Test
    void anAbsentIdIsLeftOut() {
        String seen = LogContext.account("acme").event(null).get(() -> MDC.get(LogContext.EVENT_ID) == null ? "none" : "some");
        assertThat(seen).isEqualTo("none");
        assertThat(MDC.get(LogContext.ACCOUNT_ID)).isNull();
    }
}
