package com.nosto.klaviyo.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** The gateway's own settings: key encryption and parked-batch handling. */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    Crypto crypto();

    Parked parked();

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
}
