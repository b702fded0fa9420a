package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.MembershipChange;
import java.util.List;

/**
 * The net result of a transaction of events, written back in one statement. The lists name disjoint rows (a
 * membership re-entered within the transaction is in {@code membershipsNew} only, and replaces the stored one), so the
 * statement's parts, which PostgreSQL runs in no fixed order, never touch one row twice.
 *
 * @param membershipsGone   stored memberships to delete
 * @param contactsGone      stored contacts to delete (their memberships go with them)
 * @param contactsChanged   contacts to insert, or to overwrite in every column
 * @param membershipsNew    memberships to insert, or to overwrite (re-entered)
 * @param tombstonesChanged tombstones to insert, or to overwrite
 * @param tombstonesGone    key hashes of stored tombstones to delete
 * @param memberCounts      how each segment's member count changes, sorted by account and segment (the order their
 *                          rows are locked in, so two transactions never wait for each other in a cycle)
 * @param changes           the changes to publish, in this order (one outbox row holds them)
 * @param traces            each change's trace context (a traceparent, or null), parallel to {@code changes}; null when
 *                          no event of the transaction carried one (tracing off: nothing more is stored)
 */
public record IngestWrites(List<Membership.Key> membershipsGone, List<Contact.Key> contactsGone, List<Contact> contactsChanged,
        List<Membership> membershipsNew, List<Tombstone> tombstonesChanged, List<String> tombstonesGone,
        List<MemberCount> memberCounts, List<MembershipChange> changes, List<String> traces) {

    /** A segment's member count moving by {@code delta}. */
    public record MemberCount(String accountId, String segmentId, long delta) {
    }

    public boolean isEmpty() {
        return membershipsGone.isEmpty() && contactsGone.isEmpty() && contactsChanged.isEmpty() && membershipsNew.isEmpty()
                && tombstonesChanged.isEmpty() && tombstonesGone.isEmpty() && memberCounts.isEmpty() && changes.isEmpty();
    }
}
