package com.nosto.klaviyo.gateway.config;

import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Builds the key cipher from configuration; a missing or malformed key-encryption key fails startup. */
public class CryptoProducer {

    @Produces
    @ApplicationScoped
    KeyCipher keyCipher(GatewayConfig config) {
        return new KeyCipher(config.crypto().keys(), config.crypto().activeKeyId());
    }
}
