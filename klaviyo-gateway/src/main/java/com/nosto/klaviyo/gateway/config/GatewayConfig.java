package com.nosto.klaviyo.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's own settings: key encryption, how accounts' windows are applied, how long the inbox keeps batches, and
 * how long the sync history and the record of applied batches are kept.
 */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    Crypto crypto();

    Apply apply();

    Inbox inbox();

    Retention retention();

    Audit audit();

    interface Crypto {
        /**
         * Key-encryption keys by id, each base64 of 32 random bytes (AES-256), from a Kubernetes Secret
         * (env GATEWAY_CRYPTO_KEYS_&lt;ID&gt;). Old ids stay here until every stored key was re-encrypted.
         */
        Map<String, String> keys();

        /** The id of the key that encrypts new and re-saved Klaviyo keys. */
        String activeKeyId();

        /**
         * How often each replica re-seals the stored Klaviyo keys still sealed under another configured KEK than the
         * active one (the first run one interval after start). Progress: gateway_connections_by_kek, GET /api/admin/kek.
         */
        @WithDefault("1m")
        Duration reencryptInterval();

        /** Keys re-sealed per transaction (rows claimed with FOR UPDATE SKIP LOCKED, so replicas share the work). */
        @WithDefault("100")
        int reencryptBatchSize();
    }

    /**
     * Batches wait in the inbox until their window is complete; every replica then takes accounts with ready work, one
     * lease per account, and applies their windows a chunk at a time.
     */
    interface Apply {
        /** Accounts this replica applies at once (each holds a lease and one chunk of work at a time). 0: none. */
        @WithDefault("8")
        int concurrency();

        /**
         * Entering or staying contacts an account applies in one turn (two bulk jobs); leaving contacts up to one unset job
         * (10,000). Then it yields its slot to accounts waiting longer, so a huge window never holds up small ones.
         */
        @WithDefault("20000")
        int chunkContacts();

        /**
         * A window still missing an end marker this long after its oldest waiting batch arrived is applied as it is
         * (counted in gateway_windows_applied_total{reason="max-wait"}). Longer than the release of the largest window.
         */
        @WithDefault("5m")
        Duration maxWait();

        /** How often a replica looks for accounts with ready work (it also looks at once when batches arrive). */
        @WithDefault("1s")
        Duration interval();

        /** An account's lease lasts this long in the database unless renewed (a dead replica's accounts move after it). */
        @WithDefault("60s")
        Duration leaseTtl();

        /** How often a replica renews the leases it holds (and saves their pacing state). Well under lease-ttl. */
        @WithDefault("15s")
        Duration leaseRenewInterval();

        /** A replica stops calling Klaviyo under a lease this long before the lease could expire in the database. */
        @WithDefault("10s")
        Duration leaseMargin();

        /** An account's first wait after Klaviyo kept failing (5xx, timeouts, 429s) or refused a call; doubles. */
        @WithDefault("30s")
        Duration retryInitialBackoff();

        /** The longest wait between an account's attempts while Klaviyo keeps failing for it. */
        @WithDefault("10m")
        Duration retryMaxBackoff();

        /** How long a connect, reconnect or disconnect waits for an account that is being applied (then 503). */
        @WithDefault("10s")
        Duration leaseWait();
    }

    interface Inbox {
        /**
         * Batches of an account without a working Klaviyo connection (never connected, disconnected, or its key
         * rejected) are purged this long after they arrived; the account's sync history says so (a resync is needed
         * after connecting).
         */
        @WithDefault("30d")
        Duration unconnectedRetention();

        /** How often one replica looks for expired batches. */
        @WithDefault("1h")
        Duration purgeInterval();
    }

    /**
     * Retention of what grows with every window (G15): every replica purges on its own schedule, deleting at most
     * {@code purge-batch-size} rows per short transaction and skipping rows another replica is deleting.
     */
    interface Retention {
        /** Sync history entries (sync_run: a window's counts, no emails) are deleted this long after the window finished. */
        @WithDefault("90d")
        Duration syncRuns();

        /**
         * Row outcomes of the sync history (sync_row_error: the contact's email and Klaviyo's reason) are deleted this long
         * after they were written.
         */
        @WithDefault("30d")
        Duration rowErrors();

        /**
         * Applied batch ids (applied_batch: what makes a redelivered batch a no-op) are deleted this long after they were
         * applied, unless the rest of their window still waits in the inbox. Keep it longer than the retention of the
         * klaviyo-sync-batches topic (7 days), so a replay can never bring back a batch whose id is gone; an older batch
         * would still only re-apply versions the ledger already holds (skipped as stale).
         */
        @WithDefault("14d")
        Duration appliedBatches();

        /**
         * Ledger rows of contacts not in the list (removed, or deleted in Nosto: their email, last applied version and
         * Klaviyo profile id) are deleted this long after their last change. Longer than applied-batches, so no batch
         * that could still arrive carries an older version than the row held; a contact added again is upserted by email.
         */
        @WithDefault("30d")
        Duration removedContacts();

        /** How often each replica looks for rows past their retention. */
        @WithDefault("1h")
        Duration purgeInterval();

        /** Rows deleted per statement, each statement its own transaction (no long lock on a table). */
        @WithDefault("1000")
        int purgeBatchSize();
    }

    /**
     * The scheduled audit (G14): every connected account compared with Klaviyo once an interval, each at its own offset
     * within the interval (a hash of its id), by whichever replica takes its lease.
     */
    interface Audit {
        /** How often each connected account is audited; absent: never (audits only on an SRE's request). */
        Optional<Duration> interval();

        /** Whether a scheduled audit also repairs what it finds (else a dry run: the drift shows in the history and metrics). */
        @WithDefault("false")
        boolean repair();

        /** How often each replica looks for accounts whose audit is due, and for audits interrupted mid-read to resume. */
        @WithDefault("1m")
        Duration tick();

        /**
         * How long an audit interrupted mid-read (a restart, a Klaviyo outage, a lost lease) may resume from the pages it
         * saved, counted from its last page; after that, and whenever a window changed the account's ledger since the read
         * began, the next audit reads the list from its first page.
         */
        @WithDefault("1h")
        Duration resumeWithin();
    }
}
