package com.nosto.klaviyo.segment.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** A contact's membership in one segment, defined or not, synced or not. */
@Entity
@Table(name = "membership")
public class Membership {

    @Embeddable
    public record Key(@Column(name = "account_id") String accountId, @Column(name = "email") String email,
            @Column(name = "segment_id") String segmentId) implements Serializable {
    }

    @EmbeddedId
    public Key key;

    @Column(name = "entry_seq")
    public long entrySeq;

    @Column(name = "entered_at")
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
