package com.nosto.klaviyo.gateway.domain;

import java.time.Instant;

/**
 * An account's Klaviyo connection as stored: the key only sealed (G12), plus the one list (G1) and the Klaviyo account
 * the key reaches ({@code get_accounts}; null for a connection made before it was recorded).
 */
public record Connection(
        String accountId,
        String keyId,
        byte[] encryptedKey,
        String keyLast4,
        String listId,
        String listName,
        Status status,
        String statusReason,
        Instant connectedAt,
        Instant updatedAt,
        Instant lastSyncAt,
        String klaviyoAccountId) {

    public enum Status {
        CONNECTED,
        /** Klaviyo rejected the stored key (401/403); batches park until the merchant reconnects. */
        DISCONNECTED
    }

    public boolean isConnected() {
        return status == Status.CONNECTED;
    }
}
