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

    Retention retention();

    interface Windows {
        /** Length of the regular window (G6): an account's pending changes are released every this often. */
        @WithDefault("12h")
        Duration regular();

        /**
         * A first enable's members are released at most this long after the segment's sync was switched on
         * (G6): counted from the changes' enabledAt.
         */
        @WithDefault("1h")
        Duration firstEnable();
    }

    interface Release {
        /** How often due windows are looked for and the outbox relayed (each its own loop). */
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

        /**
         * A window still unreleased this long after its due time counts as overdue
         * ({@code sync_worker_windows_overdue}): a release normally follows within a tick, a busy one within minutes.
         */
        @WithDefault("5m")
        Duration overdueAfter();

        /** Switch off the background loops: release, outbox relay and purge, pending gauges (e.g. for a read-only replica). */
        @WithDefault("true")
        boolean enabled();
    }

    interface Outbox {
        /**
         * How long a relay round waits for the broker's acknowledgements; rows not acknowledged by then go out again
         * at the next round (the round's transaction, and with it the one-relay lock, is open meanwhile).
         */
        @WithDefault("30s")
        Duration sendTimeout();

        /** Outbox rows read, published and marked per relay round (one transaction). */
        @WithDefault("50")
        int relayBatch();

        /** Published outbox rows are kept this long (audit, re-publish by hand), then deleted (checked hourly). */
        @WithDefault("7d")
        Duration retention();
    }

    /** How long what the worker keeps of deleted contacts stays (G15); each purge statement is its own short transaction. */
    interface Retention {
        /**
         * A contact deleted in Nosto whose deletion was released (nothing pending) leaves the ledger this long after its
         * last change; a change arriving later for it starts a new ledger row. Keep it longer than the week of full history
         * on segment-membership-changes before compaction.
         */
        @WithDefault("30d")
        Duration deletedContacts();

        /** Rows deleted per statement by the hourly purges (deleted contacts, published outbox rows). */
        @WithDefault("1000")
        int purgeBatchSize();
    }
}
