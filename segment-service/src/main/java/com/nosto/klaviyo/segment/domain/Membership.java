package com.nosto.klaviyo.segment.domain;

import java.time.Instant;

/** A contact's membership in one segment, defined or not, synced or not. */
public final class Membership {

    public record Key(String accountId, String email, String segmentId) {
    }

    public Key key;
    public long entrySeq;
    public Instant enteredAt;

    public static Membership of(String accountId, String email, String segmentId, long entrySeq, Instant enteredAt) {
        Membership m = new Membership();
        m.key = new Key(accountId, email, segmentId);
        m.entrySeq = entrySeq;
        m.enteredAt = enteredAt;
        return m;
    }

    public SyncedView.Entry entry() {
        return new SyncedView.Entry(key.segmentId(), entrySeq);
    }
}
