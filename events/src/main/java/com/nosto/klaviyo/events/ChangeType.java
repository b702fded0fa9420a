package com.nosto.klaviyo.events;

/** A change of a contact's set of <em>synced</em> segments (segments whose sync is on). */
public enum ChangeType {
    /** none → some: the contact joins the Klaviyo list. */
    ADDED,
    /** some → a different some: properties change; list membership does not (G7). */
    MOVED,
    /** some → none: the contact leaves the list and both properties are unset. */
    REMOVED,
    /** erased from Nosto: as REMOVED, and no state is kept beyond a tombstone. */
    DELETED
}
