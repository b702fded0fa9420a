package com.nosto.klaviyo.events;

/** The two release cadences of G6. */
public enum WindowKind {
    /** Every 12 hours (configurable) per account. */
    REGULAR,
    /** Within 1 hour (configurable) of a segment's sync being switched on for the first time. */
    FIRST_ENABLE
}
