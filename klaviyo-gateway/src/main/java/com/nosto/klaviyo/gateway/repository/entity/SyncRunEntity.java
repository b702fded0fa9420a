package com.nosto.klaviyo.gateway.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** A {@code sync_run} row: one window's accumulated counts (sync history, G13). */
@Entity
@Table(name = "sync_run")
public class SyncRunEntity {

    @Embeddable
    public record Key(@Column(name = "account_id") String accountId, @Column(name = "window_id") String windowId)
            implements Serializable {
    }

    @EmbeddedId
    public Key id;

    @Column(name = "window_kind")
    public String windowKind;

    @Column(name = "window_end")
    public Instant windowEnd;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    public int batches;
    public int added;
    public int moved;
    public int removed;
    public int deleted;
    public int skipped;
    public int failed;

    @Column(name = "klaviyo_writes")
    public int klaviyoWrites;

    /** An audit's counts per drift class (JSON object); null for a window. */
    public String drift;
}
