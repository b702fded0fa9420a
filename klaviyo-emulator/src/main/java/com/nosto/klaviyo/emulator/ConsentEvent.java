package com.nosto.klaviyo.emulator;

import java.time.Instant;

/**
 * A consent-relevant request the emulator received: a subscription or suppression endpoint call, or a
 * {@code subscriptions} field in a profile body. The sync must never cause one (G4).
 *
 * @param operationId the Klaviyo operation that carried it
 * @param what        e.g. "bulk_subscribe_profiles" or "attributes.subscriptions"
 * @param body        the request body as received
 */
public record ConsentEvent(Instant at, String operationId, String what, String body) {
}
