package com.nosto.klaviyo.segment.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** A contact's stored state: freshness guard, emitted version and the synced view downstream last received. */
@Entity
@Table(name = "contact")
public class Contact {

    @Embeddable
    public record Key(@Column(name = "account_id") String accountId, @Column(name = "email") String email)
            implements Serializable {
    }

    @EmbeddedId
    public Key key;

    /** observedAt of the newest event applied; older events are stale. */
    @Column(name = "observed_at")
    public Instant observedAt;

    /** Version of the last change emitted for this contact (0: none yet). */
    public long version;

    /** Last entry sequence handed out; orders this contact's memberships by entry. */
    @Column(name = "entry_seq")
    public long entrySeq;

    /** JSON array of SegmentRef: the synced view in the last emitted change. */
    @Column(name = "synced_view")
    public String syncedView;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public static Contact create(String accountId, String email, Instant observedAt, long version, Instant now) {
        Contact c = new Contact();
        c.key = new Key(accountId, email);
        c.observedAt = observedAt;
        c.version = version;
        c.syncedView = "[]";
        c.updatedAt = now;
        return c;
    }
}
