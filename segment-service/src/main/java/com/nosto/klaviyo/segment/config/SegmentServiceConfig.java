package com.nosto.klaviyo.segment.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Typed configuration of segment-service (prefix {@code segment-service}); every value has a documented default. */
@ConfigMapping(prefix = "segment-service")
public interface SegmentServiceConfig {

    Ingest ingest();

    Fanout fanout();

    Outbox outbox();

    interface Ingest {
        /** Most events one {@code POST …/segment-events} may carry; larger arrays are refused whole (400). */
        @WithDefault("1000")
        int maxBatchSize();

        /** Most segment ids one event may list (segments, entered plus exited). */
        @WithDefault("1000")
        int maxSegmentsPerEvent();

        /** Longest accepted segment id. */
        @WithDefault("128")
        int maxSegmentIdLength();

        /** Longest accepted segment name. */
        @WithDefault("256")
        int maxSegmentNameLength();

        /** How far in the future observedAt may be; a far-future time would freeze the contact (every later event stale). */
        @WithDefault("PT1H")
        Duration maxClockSkew();
    }

    interface Fanout {
        /** Members handled per transaction when a sync switch, rename or resync fans out; bounds memory. */
        @WithDefault("1000")
        int pageSize();

        /** How often pending fan-out jobs are looked for (they are also started right after being created). */
        @WithDefault("PT1S")
        Duration pollInterval();
    }

    interface Outbox {
        /**
         * Most changes published per relay round. A round takes whole outbox rows (one per transaction), so a
         * transaction with more changes than this goes alone in its own round.
         */
        @WithDefault("500")
        int batchSize();

        /** How often the relay looks for new rows when idle. */
        @WithDefault("PT0.2S")
        Duration pollInterval();

        /** Longest wait for the broker's acknowledgements of one round before it is retried. */
        @WithDefault("PT30S")
        Duration publishTimeout();
    }
}
