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
     * the batches of one account's window, unacknowledged, until no more arrive, then applies them as one, so the
     * window costs the minimum Klaviyo calls. Offsets are committed only after the group was applied or parked.
     */
    interface Window {
        /** A window's group is applied once no batch of it arrived for this long (or another window of the account began). */
        @WithDefault("2s")
        Duration quietPeriod();

        /** A group is applied at the latest this long after its first batch arrived, however batches keep coming. */
        @WithDefault("60s")
        Duration maxWait();

        /**
         * A group is applied as soon as it holds this many contacts. Bounds the heap one group needs (roughly
         * 1 KB per contact while it is parsed, planned and sent: ~150 MB at the default); a larger window is
         * applied in parts, each costing at most one partly filled bulk job and list removal more.
         */
        @WithDefault("150000")
        int maxContacts();

        /**
         * Contacts held in all groups (waiting or being applied) at which the consumer stops reading until
         * groups finish. At least max-contacts.
         */
        @WithDefault("200000")
        int maxHeldContacts();
    }
}
