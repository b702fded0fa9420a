package com.nosto.klaviyo.worker.domain;

import com.nosto.klaviyo.common.outage.InvalidRecordException;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;

/**
 * Turns a record of {@code segment-membership-changes} into a {@link MembershipChange}, or says
 * precisely why it cannot (the reason goes to the dead-letter record).
 */
public final class ChangeParser {

    /** The dead letter's {@code errorType} of a record that is not a MembershipChange JSON object. */
    public static final String MALFORMED = "MALFORMED_JSON";
    /** The dead letter's {@code errorType} of a MembershipChange that breaks a rule of the contract. */
    public static final String INVALID = "INVALID_CHANGE";

    /** The ledger's column sizes: a longer value could never be stored. */
    static final int MAX_ACCOUNT_ID = 64;
    static final int MAX_EMAIL = 320;

    private ChangeParser() {
    }

    /** @throws InvalidRecordException with the reason when the record can never be applied */
    public static MembershipChange parse(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidRecordException(MALFORMED, "empty record value");
        }
        MembershipChange change;
        try {
            change = EventJson.read(value, MembershipChange.class);
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException(MALFORMED, "not a MembershipChange JSON object: " + e.getMessage(), e);
        }
        if (change == null) {
            throw new InvalidRecordException(MALFORMED, "record value is JSON null");
        }
        if (change.schemaVersion() != MembershipChange.SCHEMA_VERSION) {
            throw invalid("unsupported schemaVersion " + change.schemaVersion() + " (expected " + MembershipChange.SCHEMA_VERSION + ")");
        }
        require(change.eventId() != null, "eventId is missing");
        require(change.type() != null, "type is missing");
        require(blankToNull(change.accountId()) != null, "accountId is missing");
        require(change.accountId().length() <= MAX_ACCOUNT_ID, "accountId is longer than " + MAX_ACCOUNT_ID + " characters");
        require(blankToNull(change.email()) != null, "email is missing");
        require(change.email().length() <= MAX_EMAIL, "email is longer than " + MAX_EMAIL + " characters");
        require(change.version() > 0, "version must be positive, was " + change.version());
        if (change.type() != ChangeType.DELETED) {
            require(change.segmentsAfter() != null, "segmentsAfter is missing for a " + change.type() + " change");
            for (SegmentRef ref : change.segmentsAfter()) {
                require(ref != null && blankToNull(ref.name()) != null, "segmentsAfter holds a segment without a name");
            }
        }
        // The short window ends at enabledAt + its length on every partition (one window per enable, G6).
        require(change.cause() == null || !change.cause().firstEnable() || change.cause().enabledAt() != null,
                "cause.enabledAt is missing for a first-enable change");
        String expectedKey = change.contactKey().asKafkaKey();
        // A wrong key means the record sits in the wrong partition: per-contact order would not hold.
        require(key == null || key.equals(expectedKey), "record key '" + key + "' does not match '" + expectedKey + "'");
        return change;
    }

    private static void require(boolean condition, String reason) {
        if (!condition) {
            throw invalid(reason);
        }
    }

    private static InvalidRecordException invalid(String reason) {
        return new InvalidRecordException(INVALID, reason);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
