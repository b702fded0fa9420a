package com.nosto.klaviyo.gateway.client;

/** Klaviyo kept failing transiently (5xx, resets, timeouts, or 429s) past the bounded retries. */
public class KlaviyoUnavailableException extends RuntimeException {

    public KlaviyoUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
