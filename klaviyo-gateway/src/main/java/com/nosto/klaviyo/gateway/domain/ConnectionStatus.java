package com.nosto.klaviyo.gateway.domain;

import java.util.Optional;

/**
 * An account's Klaviyo connection as shown to the merchant: the connection (if any), the batches and contacts waiting
 * in the inbox, and why they wait (if they do).
 */
public record ConnectionStatus(String accountId, Optional<Connection> connection, long waitingBatches, long waitingContacts,
        Optional<Waiting> waiting) {
}
