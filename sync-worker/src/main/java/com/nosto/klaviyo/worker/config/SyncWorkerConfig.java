package com.nosto.klaviyo.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Every tunable of sync-worker, under {@code sync-worker.*}; defaults are the production values. */
@ConfigMapping(prefix = "sync-worker")
public interface SyncWorkerConfig {

    Windows windows();

    Release release();

    Outbox outbox();

    Ingest ingest();

    interface Windows {
        /** Length of the regular window (G6): an account's pending changes are released every this often. */
        @WithDefault("12h")
        Duration regular();

        /**
         * A first enable's members are released at most this long after the segment's sync was switched on
         * (G6): counted from the changes' enabledAt, or from their arrival for changes of older producers.
         */
        @WithDefault("1h")
        Duration firstEnable();
    }

    interface Release {
        /** How often due windows are looked for and the outbox relayed. */
        @WithDefault("5s")
        Duration tick();

        /**
         * Contacts per SyncBatch and per release transaction. 500 states are ~100 KB of JSON, well
         * under Kafka's default 1 MB record limit even before compression.
         */
        @WithDefault("500")
        int batchSize();

        /** Due (account, partition) windows handled per tick; the rest wait for the next tick. */
        @WithDefault("200")
        int dueWindowsPerTick();

        /**
         * How often the release loop recounts the pending-contacts gauges. A count walks the ledger's pending
         * index, so at millions of pending contacts a count every tick would keep PostgreSQL busy.
         */
        @WithDefault("60s")
        Duration gaugeRefresh();

        /** Switch off the background release loop (e.g. for a read-only replica). */
        @WithDefault("true")
        boolean enabled();
    }

    interface Outbox {
        /** How long a relay may hold a claimed outbox row before another relay may publish it again. */
        @WithDefault("30s")
        Duration lease();

        /** Outbox rows claimed per relay round. */
        @WithDefault("50")
        int relayBatch();

        /** Published outbox rows are kept this long (audit, re-publish by hand), then deleted. */
        @WithDefault("7d")
        Duration retention();
    }

    interface Ingest {
        /**
         * Retries of a failed poll transaction (with backoff, 100 ms up to 2 s) before the poll is nacked
         * and its records go to the channel's dead-letter topic.
         */
        @WithDefault("5")
        int retries();
    }
}
