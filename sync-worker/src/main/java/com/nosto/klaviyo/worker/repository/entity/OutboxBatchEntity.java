package com.nosto.klaviyo.worker.repository.entity;

import com.nosto.klaviyo.events.WindowKind;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A SyncBatch waiting to be (or already) published; written with the release it describes. */
@Entity
@Table(name = "outbox_batch")
public class OutboxBatchEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "batch_id")
    public String batchId;
    @Column(name = "account_id")
    public String accountId;
    @Column(name = "window_id")
    public String windowId;
    @Column(name = "window_kind")
    @Enumerated(EnumType.STRING)
    public WindowKind windowKind;
    @Column(name = "source_partition")
    public int sourcePartition;
    public int sequence;
    @Column(name = "contact_count")
    public int contactCount;
    public String payload;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "published_at")
    public Instant publishedAt;
    /** The trace context (traceparent) the relay publishes the batch in; null when tracing is off. */
    public String trace;
}
