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

    Database database();

    Retention retention();

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

        /** How often each replica looks for a fan-out job it can claim (and then works through pages until none is free). */
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

        /**
         * How often each replica tries a relay round when idle (the one holding the relay's lock publishes, and then
         * goes on until the outbox is empty). Quarkus' scheduler checks its jobs once a second: shorter is the same.
         */
        @WithDefault("PT1S")
        Duration pollInterval();

        /** Longest wait for the broker's acknowledgements of one round before it is retried. */
        @WithDefault("PT30S")
        Duration publishTimeout();
    }

    interface Database {
        /** Longest wait for a new connection to PostgreSQL to open; then the work fails (REST: 503) and is retried. */
        @WithDefault("PT5S")
        Duration connectTimeout();

        /** Longest wait for a free pooled connection (all busy, or none can be opened); then the work fails likewise. */
        @WithDefault("PT10S")
        Duration acquireTimeout();
    }

    /** How long what is left of deleted contacts is kept (G15); every replica purges, a bounded batch per transaction. */
    interface Retention {
        /**
         * A deleted contact's tombstone (a hash of account and email, the deletion's observedAt and last version) is
         * deleted this long after that observedAt. Until then an event observed before the deletion is ignored as stale;
         * keep it longer than the replay horizon of segment-events (14 days). Versions need no tombstone: they are a
         * clock, so a contact added again after its tombstone went still gets versions above its old ones.
         */
        @WithDefault("P30D")
        Duration tombstones();

        /** How often each replica looks for tombstones past their retention. */
        @WithDefault("PT1H")
        Duration purgeInterval();

        /** Tombstones deleted per statement, each statement its own transaction (no long lock on the table). */
        @WithDefault("1000")
        int purgeBatchSize();
    }
}
