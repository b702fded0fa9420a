package com.nosto.klaviyo.gateway.client;

/** Klaviyo refused a call for a reason retrying will not fix (an unexpected 4xx): the account waits and retries later. */
public class KlaviyoRejectedException extends RuntimeException {

    public KlaviyoRejectedException(String message) {
        super(message);
    }
}
