package com.nosto.klaviyo.segment.messaging;

/** Channel names, declared once ({@code <topic>-in}, {@code <topic>-out}, {@code <topic>-dlq}); topic names live only in application.properties. */
public final class Channels {
    /** In: segment events, one JSON object a record (topic segment-events). */
    public static final String SEGMENT_EVENTS_IN = "segment-events-in";
    /** Out: dead letters for records that are themselves bad (topic segment-events-dlq). */
    public static final String SEGMENT_EVENTS_DLQ = "segment-events-dlq";
    /** Out: membership changes relayed from the outbox (topic segment-membership-changes). */
    public static final String MEMBERSHIP_CHANGES_OUT = "segment-membership-changes-out";

    private Channels() {
    }
}
