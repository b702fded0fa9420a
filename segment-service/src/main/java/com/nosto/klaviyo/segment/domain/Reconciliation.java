package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The one way a contact's change comes about, whatever caused it (event, switch, rename, resync): compare the synced
 * view downstream last received with the view now and, when they differ (or when restating for a resync), advance the
 * contact's version, store the new view on it and return the change.
 */
public final class Reconciliation {

    private Reconciliation() {
    }

    public static Optional<MembershipChange> reconcile(Contact contact, List<SegmentRef> after, ChangeCause cause,
            boolean restate, Instant now) {
        List<SegmentRef> before = contact.view();
        Optional<ChangeType> type = restate
                ? Optional.of(ChangeDerivation.restate(before, after))
                : ChangeDerivation.derive(before, after, false);
        if (type.isEmpty()) {
            return Optional.empty();
        }
        contact.version = Versions.next(contact.version, now);
        contact.syncedView = Contact.json(after);
        contact.updatedAt = now;
        return Optional.of(ChangeFactory.change(type.get(), contact.key.accountId(), contact.key.email(), contact.version,
                before, after, cause, now));
    }

    /** A deletion of a contact downstream saw: its DELETED change, or none when downstream never saw it. */
    public static Optional<MembershipChange> delete(Contact contact, ChangeCause cause, Instant now) {
        List<SegmentRef> before = contact.view();
        return ChangeDerivation.derive(before, List.of(), true).map(type -> {
            contact.version = Versions.next(contact.version, now);
            return ChangeFactory.change(type, contact.key.accountId(), contact.key.email(), contact.version, before,
                    List.of(), cause, now);
        });
    }
}
