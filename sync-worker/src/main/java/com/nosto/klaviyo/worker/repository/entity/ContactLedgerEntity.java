package com.nosto.klaviyo.worker.repository.entity;

import com.nosto.klaviyo.worker.domain.ContactLedger;
import com.nosto.klaviyo.worker.domain.MembershipState;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Row form of {@link ContactLedger}; the domain logic works on the record, never on this entity. */
@Entity
@Table(name = "contact_ledger")
public class ContactLedgerEntity {

    @Embeddable
    public record Key(@Column(name = "account_id") String accountId, @Column(name = "email") String email)
            implements Serializable {
    }

    @EmbeddedId
    public Key key;

    @Column(name = "source_partition")
    public int sourcePartition;

    @Column(name = "desired_in_list")
    public boolean desiredInList;
    @Column(name = "desired_segment")
    public String desiredSegment;
    @Column(name = "desired_segments")
    @Convert(converter = StringListConverter.class)
    public List<String> desiredSegments;
    @Column(name = "desired_version")
    public long desiredVersion;
    @Column(name = "desired_deleted")
    public boolean desiredDeleted;

    public boolean pending;
    @Column(name = "pending_since")
    public Instant pendingSince;
    @Column(name = "first_enable_pending")
    public boolean firstEnablePending;
    @Column(name = "first_enable_since")
    public Instant firstEnableSince;
    public boolean restate;
    /** The trace context (traceparent) of the change that last set the desired state; null when it had none. */
    public String trace;

    @Column(name = "released_in_list")
    public Boolean releasedInList;
    @Column(name = "released_segment")
    public String releasedSegment;
    @Column(name = "released_segments")
    @Convert(converter = StringListConverter.class)
    public List<String> releasedSegments;
    @Column(name = "released_version")
    public Long releasedVersion;
    @Column(name = "released_deleted")
    public Boolean releasedDeleted;
    @Column(name = "released_at")
    public Instant releasedAt;

    @Column(name = "last_event_id")
    public UUID lastEventId;
    @Column(name = "updated_at")
    public Instant updatedAt;

    public ContactLedger toLedger() {
        MembershipState desired = new MembershipState(desiredInList, desiredSegment, desiredSegments, desiredVersion, desiredDeleted);
        MembershipState released = releasedVersion == null ? null
                : new MembershipState(Boolean.TRUE.equals(releasedInList), releasedSegment, releasedSegments, releasedVersion,
                        Boolean.TRUE.equals(releasedDeleted));
        return new ContactLedger(desired, pending, pendingSince, firstEnablePending, firstEnableSince, restate, released,
                lastEventId);
    }

    public void apply(ContactLedger ledger, Instant now) {
        MembershipState d = ledger.desired();
        desiredInList = d.inList();
        desiredSegment = d.nostoSegment();
        desiredSegments = d.nostoSegments();
        desiredVersion = d.version();
        desiredDeleted = d.deleted();
        pending = ledger.pending();
        pendingSince = ledger.pendingSince();
        firstEnablePending = ledger.firstEnablePending();
        firstEnableSince = ledger.firstEnableSince();
        restate = ledger.restate();
        MembershipState r = ledger.released();
        boolean newlyReleased = r != null && (releasedVersion == null || r.version() != releasedVersion);
        releasedInList = r == null ? null : r.inList();
        releasedSegment = r == null ? null : r.nostoSegment();
        releasedSegments = r == null ? null : r.nostoSegments();
        releasedVersion = r == null ? null : r.version();
        releasedDeleted = r == null ? null : r.deleted();
        if (newlyReleased) {
            releasedAt = now;
        }
        lastEventId = ledger.lastEventId();
        updatedAt = now;
    }
}
