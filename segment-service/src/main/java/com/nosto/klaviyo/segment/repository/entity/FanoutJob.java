package com.nosto.klaviyo.segment.repository.entity;

import com.nosto.klaviyo.events.ChangeCause;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A durable fan-out over a segment's members (or, for a resync, over all the account's contacts),
 * processed one page a transaction with its cursor advanced in the same transaction.
 */
@Entity
@Table(name = "fanout_job")
public class FanoutJob {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "account_id")
    public String accountId;

    /** The segment whose members are visited; null for a resync (all contacts). */
    @Column(name = "segment_id")
    public String segmentId;

    @Enumerated(EnumType.STRING)
    public ChangeCause.Kind cause;

    @Column(name = "first_enable")
    public boolean firstEnable;

    /** Last email handled; the next page starts after it. */
    @Column(name = "cursor_email")
    public String cursorEmail;

    public long processed;

    @Column(name = "created_at")
    public Instant createdAt;

    public static FanoutJob of(String accountId, String segmentId, ChangeCause.Kind cause, boolean firstEnable, Instant now) {
        FanoutJob j = new FanoutJob();
        j.accountId = accountId;
        j.segmentId = segmentId;
        j.cause = cause;
        j.firstEnable = firstEnable;
        j.cursorEmail = "";
        j.createdAt = now;
        return j;
    }

    /** A first enable's changes carry the moment the switch was turned on (the job's creation, in its transaction). */
    public ChangeCause changeCause() {
        return new ChangeCause(cause, segmentId, firstEnable, firstEnable ? createdAt : null);
    }
}
