package com.nosto.klaviyo.worker.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/**
 * When the windows of one account's contacts on one source partition are next due. Per partition,
 * because the instance owning a partition releases its contacts on its own (no coordination).
 */
@Entity
@Table(name = "window_schedule")
public class WindowScheduleEntity {

    @Embeddable
    public record Key(@Column(name = "account_id") String accountId, @Column(name = "source_partition") int sourcePartition)
            implements Serializable {
    }

    @EmbeddedId
    public Key key;

    @Column(name = "regular_due_at")
    public Instant regularDueAt;

    @Column(name = "first_enable_due_at")
    public Instant firstEnableDueAt;
}
