package com.nosto.klaviyo.segment.messaging;

/** Channel names, declared once; topic names live only in application.properties (each overridable). */
public final class Channels {
    /** In: segment events, one JSON object a record (topic segment-events). */
    public static final String SEGMENT_EVENTS_IN = "segment-events-in";
    /** Out: dead letters for records this service refuses (topic segment-events-dlq). */
    public static final String SEGMENT_EVENTS_DLQ_OUT = "segment-events-dlq-out";
    /** Out: membership changes relayed from the outbox (topic segment-membership-changes). */
    public static final String MEMBERSHIP_CHANGES_OUT = "membership-changes-out";

    private Channels() {
    }
}
