package com.nosto.klaviyo.emulator;

import java.time.Instant;
import java.util.Map;

/**
 * A snapshot of an emulated profile.
 *
 * @param attributes the other standard attributes that are set (first_name, phone_number, location, ...)
 * @param properties custom properties (values as Jackson would read them: String, Number, Boolean, List, Map)
 * @param emailConsent email marketing consent: NEVER_SUBSCRIBED unless a subscription/suppression call named this email
 */
public record Profile(String id, String email, Map<String, Object> properties, Map<String, Object> attributes,
                      String emailConsent, Instant created, Instant updated) {
}
