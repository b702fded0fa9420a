package com.nosto.klaviyo.worker.support;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Builds MembershipChange records as segment-service would emit them. */
public final class Changes {

    private Changes() {
    }

    public static List<SegmentRef> segments(String... names) {
        return Arrays.stream(names).map(n -> new SegmentRef(n.toLowerCase().replace(' ', '-'), n)).toList();
    }

    public static MembershipChange change(ChangeType type, String account, String email, long version,
            List<SegmentRef> before, List<SegmentRef> after, ChangeCause cause) {
        String latest = after.isEmpty() ? null : after.get(after.size() - 1).name();
        return new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(), type, account, email, version,
                before, after, latest, cause, Instant.now());
    }

    public static MembershipChange added(String account, String email, long version, String... after) {
        return change(ChangeType.ADDED, account, email, version, List.of(), segments(after), ChangeCause.membership());
    }

    /** A first-enable change of a segment switched on now, by the worker's clock. */
    public static MembershipChange firstEnableAdded(String account, String email, long version, String segment) {
        return firstEnableAdded(account, email, version, segment, com.nosto.klaviyo.worker.config.TestClock.INSTANCE.instant());
    }

    /** A first-enable change of a segment whose sync was switched on at {@code enabledAt}. */
    public static MembershipChange firstEnableAdded(String account, String email, long version, String segment,
            Instant enabledAt) {
        return change(ChangeType.ADDED, account, email, version, List.of(), segments(segment),
                ChangeCause.firstEnable(segments(segment).get(0).id(), enabledAt));
    }

    /** An operator's resync restating a listed contact (segment-service derives ADDED for an unchanged one). */
    public static MembershipChange resync(String account, String email, long version, String... after) {
        return change(after.length == 0 ? ChangeType.REMOVED : ChangeType.ADDED, account, email, version, segments(after),
                segments(after), ChangeCause.of(ChangeCause.Kind.RESYNC, null));
    }

    public static MembershipChange moved(String account, String email, long version, List<String> before, String... after) {
        return change(ChangeType.MOVED, account, email, version, segments(before.toArray(String[]::new)), segments(after),
                ChangeCause.membership());
    }

    public static MembershipChange removed(String account, String email, long version, String... before) {
        return change(ChangeType.REMOVED, account, email, version, segments(before), List.of(), ChangeCause.membership());
    }

    public static MembershipChange deleted(String account, String email, long version, String... before) {
        return change(ChangeType.DELETED, account, email, version, segments(before), List.of(),
                ChangeCause.of(ChangeCause.Kind.DELETION, null));
    }
}
