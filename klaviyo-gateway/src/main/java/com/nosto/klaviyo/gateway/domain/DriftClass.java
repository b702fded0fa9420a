package com.nosto.klaviyo.gateway.domain;

/** The kinds of difference an audit finds between what the gateway applied and what Klaviyo holds (G14). */
public enum DriftClass {
    /** A contact the ledger applied as a member whose profile exists but is not in the list. */
    MISSING,
    /** A member of the list that is in no synced segment (not a member in the ledger). */
    FOREIGN,
    /** A member whose {@code nosto_segment} / {@code nosto_segments} are missing or differ from what was applied. */
    PROPERTIES,
    /** The profile id the gateway stored for a member is no longer Klaviyo's for that email (deleted or merged). */
    PROFILE_GONE,
    /** The list the connection names no longer exists. */
    LIST_MISSING,
    /** The connection's list exists under another name. */
    LIST_RENAMED,
    /** More than one list is named "Nosto Customers". */
    LIST_DUPLICATE
}
