package com.nosto.klaviyo.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** The gateway's own settings: key encryption, parked-batch handling and how a window's batches are grouped. */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    Crypto crypto();

    Parked parked();

    Window window();

    interface Crypto {
        /**
         * Key-encryption keys by id, each base64 of 32 random bytes (AES-256), from a Kubernetes Secret
         * (env GATEWAY_CRYPTO_KEYS_&lt;ID&gt;). Old ids stay here until every stored key was re-encrypted.
         */
        Map<String, String> keys();

        /** The id of the key that encrypts new and re-saved Klaviyo keys. */
        String activeKeyId();
    }

    interface Parked {
        /** How often parked batches of connected accounts are retried (after transient Klaviyo failures). */
        @WithDefault("2m")
        Duration retryInterval();
    }

    /**
     * sync-worker releases a window as many batches (release.batch-size, split per partition). The consumer holds
     * the batches of one account's window, unacknowledged, until it holds all of them, then applies them as one, so
     * the window costs the minimum Klaviyo calls. Batches that carry their source partition end each partition's
     * part with an end marker: the group is applied once it holds the markers of every partition of the window.
     * Batches of older producers (no source partition) are applied after a quiet period. Offsets are committed only
     * after the group was applied or parked.
     */
    interface Window {
        /**
         * Batches without a source partition (older producers): a window's group is applied once no batch of it
         * arrived for this long (or another window of the account began).
         */
        @WithDefault("2s")
        Duration quietPeriod();

        /**
         * Batches with a source partition: a group that does not yet hold the end markers of all the window's
         * partitions is applied anyway once no batch of it arrived for this long (a marker that never comes).
         */
        @WithDefault("30s")
        Duration incompleteQuietPeriod();

        /**
         * A group is applied at the latest this long after its first batch arrived, however batches keep coming.
         * Longer than the release of the largest window (a 145,000-contact window arrives as ~290 batches over a
         * minute or more), so that such a window is not cut into two plans.
         */
        @WithDefault("5m")
        Duration maxWait();

        /**
         * A group is applied as soon as it holds this many contacts. Bounds the heap one group needs (measured:
         * 1.35 KB live per contact while it is planned and sent, ~200 MB at the default); a larger window is
         * applied in parts, each costing at most one partly filled bulk job and list removal more.
         */
        @WithDefault("150000")
        int maxContacts();

        /**
         * Contacts held in all groups (waiting or being applied) at which the consumer stops reading until
         * groups finish. At least max-contacts. At 1.35 KB each the default needs ~300 MB of live heap: the
         * chart's 768 MiB limit (a 576 MB heap).
         */
        @WithDefault("200000")
        int maxHeldContacts();
    }
}
