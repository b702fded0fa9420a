package com.nosto.klaviyo.common.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdvisoryLocksTest {

    @Test
    void keysAreStablePerNameAndDifferBetweenNames() {
        assertThat(AdvisoryLocks.key("segment-service/outbox-relay")).isEqualTo(AdvisoryLocks.key("segment-service/outbox-relay"));
        assertThat(AdvisoryLocks.key("segment-service/outbox-relay")).isNotEqualTo(AdvisoryLocks.key("sync-worker/outbox-relay"));
    }
}
