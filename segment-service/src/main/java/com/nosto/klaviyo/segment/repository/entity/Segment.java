package com.nosto.klaviyo.segment.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** A merchant's segment and its "Synchronize this segment" switch. */
@Entity
@Table(name = "segment")
public class Segment {

    @Embeddable
    public record Key(@Column(name = "account_id") String accountId, @Column(name = "segment_id") String segmentId)
            implements Serializable {
    }

    @EmbeddedId
    public Key key;

    public String name;

    @Column(name = "sync_enabled")
    public boolean syncEnabled;

    /** When sync was first switched on; a second enable is not a "first enable" (G6). */
    @Column(name = "first_enabled_at")
    public Instant firstEnabledAt;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public static Segment create(String accountId, String segmentId, String name, Instant now) {
        Segment s = new Segment();
        s.key = new Key(accountId, segmentId);
        s.name = name;
        s.createdAt = now;
        s.updatedAt = now;
        return s;
    }
}
