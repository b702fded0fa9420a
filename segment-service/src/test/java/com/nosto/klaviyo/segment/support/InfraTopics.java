package com.nosto.klaviyo.segment.support;

/** The topics every test of this module gets, with their partitions (KafkaTestResource's {@code topics} argument). */
public final class InfraTopics {

    public static final String SPEC = "segment-events:6,segment-events-dlq:1,segment-membership-changes:6";

    private InfraTopics() {
    }
}
