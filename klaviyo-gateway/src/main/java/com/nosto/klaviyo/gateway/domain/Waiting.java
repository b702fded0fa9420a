package com.nosto.klaviyo.gateway.domain;

import java.time.Instant;

/**
 * Why an account's batches wait in the inbox after its last turn, shown with its connection status.
 *
 * @param kind    NOT_CONNECTED, KEY_REJECTED, KEY_UNREADABLE or KLAVIYO_UNAVAILABLE
 * @param reason  the detail (never a key or an email)
 * @param retryAt when the account is tried again; null when it waits for something to change (a connect)
 */
public record Waiting(String kind, String reason, Instant retryAt) {

    public static final String NOT_CONNECTED = "NOT_CONNECTED";
    public static final String KEY_REJECTED = "KEY_REJECTED";
    public static final String KEY_UNREADABLE = "KEY_UNREADABLE";
    public static final String KLAVIYO_UNAVAILABLE = "KLAVIYO_UNAVAILABLE";
}
