package com.nosto.klaviyo.common.rest;

import com.nosto.klaviyo.common.logging.Emails;
import com.nosto.klaviyo.events.ContactKey;

/**
 * The body of every service's {@code POST /api/accounts/{a}/contacts/state} (operators' "where is this contact?",
 * deploy/ops/where-is): the email in the body, never in the URL, which proxies and ingresses log.
 */
public record ContactQuery(String email) {

    /** The email as every service stores it (trimmed, lower-cased); an IllegalArgumentException (400) when it is none. */
    public String normalisedEmail() {
        if (email == null || email.isBlank()) {
            throw new IllegalArgumentException("email is required");
        }
        String e = ContactKey.normaliseEmail(email);
        if (e.length() > 320 || e.indexOf('@') < 1 || e.indexOf('@') == e.length() - 1) {
            throw new IllegalArgumentException("email must be an email address of at most 320 characters");
        }
        return e;
    }

    @Override
    public String toString() {
        return "ContactQuery[email=" + Emails.pseudonym(email) + "]";
    }
}
