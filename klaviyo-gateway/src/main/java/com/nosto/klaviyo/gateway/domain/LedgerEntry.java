package com.nosto.klaviyo.gateway.domain;

/**
 * What the gateway last applied for one contact: the version (G8: older states are skipped) and, when
 * known, its Klaviyo profile id (the email → id cache that saves lookups on removal).
 */
public record LedgerEntry(String email, long appliedVersion, String profileId, boolean inList) {
}
