package com.nosto.klaviyo.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * Input on {@code segment-events} (and {@code POST /api/accounts/{a}/segment-events}): one contact's
 * segment membership as another service observed it. Exactly one of three forms:
 * <ul>
 *   <li>full set: {@code segments} is the complete list of the contact's segment ids;</li>
 *   <li>delta: {@code entered} and/or {@code exited};</li>
 *   <li>deletion: {@code deleted=true}, the contact was erased from Nosto.</li>
 * </ul>
 * Validation (one form, sizes, email syntax) is done by segment-service, not by the record, so a
 * malformed event can still be read and reported with its reason.
 *
 * <p>{@code eventId} is optional: a publisher's own id for the event (at most 128 printable characters). The
 * system carries it into its logs, traces and the contact's status, so a publisher can tell which of its events
 * a contact's state came from. Applying an event twice changes nothing (a full set or deletion is not newer than
 * itself; entering a segment twice is entering it once), so a publisher may retry freely.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SegmentEvent(
        String accountId,
        String email,
        List<String> segments,
        List<String> entered,
        List<String> exited,
        Boolean deleted,
        Instant observedAt,
        String eventId) {

    /** An event without a publisher's id. */
    public SegmentEvent(String accountId, String email, List<String> segments, List<String> entered, List<String> exited,
            Boolean deleted, Instant observedAt) {
        this(accountId, email, segments, entered, exited, deleted, observedAt, null);
    }

    /** This event with the publisher's id {@code id}. */
    public SegmentEvent withEventId(String id) {
        return new SegmentEvent(accountId, email, segments, entered, exited, deleted, observedAt, id);
    }

    public enum Form { FULL_SET, DELTA, DELETION }

    public static SegmentEvent fullSet(String accountId, String email, List<String> segments, Instant observedAt) {
        return new SegmentEvent(accountId, email, segments, null, null, null, observedAt);
    }

    public static SegmentEvent delta(String accountId, String email, List<String> entered, List<String> exited, Instant observedAt) {
        return new SegmentEvent(accountId, email, null, entered, exited, null, observedAt);
    }

    public static SegmentEvent deletion(String accountId, String email, Instant observedAt) {
        return new SegmentEvent(accountId, email, null, null, null, Boolean.TRUE, observedAt);
    }

    /** The form this event claims to be, or null when it claims none or several (invalid). */
    @JsonIgnore
    public Form form() {
        boolean full = segments != null;
        boolean delta = entered != null || exited != null;
        boolean deletion = Boolean.TRUE.equals(deleted);
        int claimed = (full ? 1 : 0) + (delta ? 1 : 0) + (deletion ? 1 : 0);
        if (claimed != 1 || (deleted != null && !deletion)) {
            return null;
        }
        return full ? Form.FULL_SET : delta ? Form.DELTA : Form.DELETION;
    }
}
