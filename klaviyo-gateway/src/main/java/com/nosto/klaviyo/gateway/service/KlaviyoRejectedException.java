package com.nosto.klaviyo.gateway.service;

/** Klaviyo refused a call for a reason retrying will not fix (an unexpected 4xx). The batch is parked. */
public class KlaviyoRejectedException extends RuntimeException {

    public KlaviyoRejectedException(String message) {
        super(message);
    }
}
