package com.nosto.klaviyo.events;

import java.util.Locale;

/**
 * The identity of a contact: an account and a normalised email. Its string form is the Kafka
 * record key of every per-contact topic, so one contact's records stay in one partition, in order.
 */
public record ContactKey(String accountId, String email) {

    public ContactKey {
        email = normaliseEmail(email);
    }

    /** Emails match Klaviyo profiles trimmed and lower-cased (G5). */
    public static String normaliseEmail(String email) {
        return email == null ? null : email.trim().toLowerCase(Locale.ROOT);
    }

    public String asKafkaKey() {
        return accountId + "|" + email;
    }

    @Override
    public String toString() {
        return asKafkaKey();
    }
}
