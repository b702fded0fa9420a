package com.nosto.klaviyo.worker.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;

/**
 * Turns a record of {@code segment-membership-changes} into a {@link MembershipChange}, or says
 * precisely why it cannot (the reason goes to the dead-letter record).
 */
public final class ChangeParser {

    private static final ObjectMapper JSON = EventJson.mapper();

    private ChangeParser() {
    }

    public static MembershipChange parse(String key, String value) throws InvalidChangeException {
        if (value == null || value.isBlank()) {
            throw new InvalidChangeException("empty record value");
        }
        MembershipChange change;
        try {
            change = JSON.readValue(value, MembershipChange.class);
        } catch (JsonProcessingException e) {
            throw new InvalidChangeException("not a MembershipChange JSON object: " + e.getOriginalMessage(), e);
        }
        if (change == null) {
            throw new InvalidChangeException("record value is JSON null");
        }
        if (change.schemaVersion() != MembershipChange.SCHEMA_VERSION) {
            throw new InvalidChangeException("unsupported schemaVersion " + change.schemaVersion()
                    + " (expected " + MembershipChange.SCHEMA_VERSION + ")");
        }
        require(change.eventId() != null, "eventId is missing");
        require(change.type() != null, "type is missing");
        require(blankToNull(change.accountId()) != null, "accountId is missing");
        require(blankToNull(change.email()) != null, "email is missing");
        require(change.version() > 0, "version must be positive, was " + change.version());
        if (change.type() != ChangeType.DELETED) {
            require(change.segmentsAfter() != null, "segmentsAfter is missing for a " + change.type() + " change");
            for (SegmentRef ref : change.segmentsAfter()) {
                require(ref != null && blankToNull(ref.name()) != null, "segmentsAfter holds a segment without a name");
            }
        }
        String expectedKey = change.contactKey().asKafkaKey();
        // A wrong key means the record sits in the wrong partition: per-contact order would not hold.
        require(key == null || key.equals(expectedKey), "record key '" + key + "' does not match '" + expectedKey + "'");
        return change;
    }

    private static void require(boolean condition, String reason) throws InvalidChangeException {
        if (!condition) {
            throw new InvalidChangeException(reason);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
