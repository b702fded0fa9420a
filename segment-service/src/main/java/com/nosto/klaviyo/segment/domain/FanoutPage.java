package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One page of a fan-out (sync switched, synced segment renamed, resync) reconciled with the account's current
 * definitions: each contact's synced view recomputed from its memberships and compared with what downstream last
 * received. A resync restates every contact downstream may hold (ever emitted, or synced now), changed or not, so
 * every member of every synced segment is emitted again.
 *
 * @param changed the contacts whose version and view moved (to write back)
 * @param changes their changes, in page order
 */
public record FanoutPage(List<Contact> changed, List<MembershipChange> changes) {

    public static FanoutPage reconcile(List<Contact> page, Map<String, List<SyncedView.Entry>> entriesByEmail,
            Map<String, SyncedView.Definition> definitions, ChangeCause cause, Instant now) {
        boolean resync = cause.kind() == ChangeCause.Kind.RESYNC;
        List<Contact> changed = new ArrayList<>();
        List<MembershipChange> changes = new ArrayList<>();
        for (Contact c : page) {
            List<SegmentRef> after = SyncedView.of(entriesByEmail.getOrDefault(c.key.email(), List.of()), definitions);
            boolean restate = resync && (c.version > 0 || !after.isEmpty());
            Reconciliation.reconcile(c, after, cause, restate, now).ifPresent(change -> {
                changed.add(c);
                changes.add(change);
            });
        }
        return new FanoutPage(changed, changes);
    }
}
