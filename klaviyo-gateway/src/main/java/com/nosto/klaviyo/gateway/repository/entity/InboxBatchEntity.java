package com.nosto.klaviyo.gateway.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An {@code inbox_batch} row: a batch waiting to be applied, its contacts still to apply in {@code payload} (a
 * {@code SyncBatch} JSON). Written by native statements only (see InboxRepository); read as entities.
 */
@Entity
@Table(name = "inbox_batch")
public class InboxBatchEntity {

    @Id
    @Column(name = "batch_id")
    public String batchId;

    /** Arrival order (an identity column): the order a window's batches are applied in. */
    @Column(name = "arrival", insertable = false, updatable = false)
    public long arrival;

    @Column(name = "account_id")
    public String accountId;

    @Column(name = "window_id")
    public String windowId;

    @Column(name = "window_kind")
    public String windowKind;

    @Column(name = "window_end")
    public Instant windowEnd;

    public int sequence;

    @Column(name = "source_partition")
    public Integer sourcePartition;

    @Column(name = "ends_partition")
    public boolean endsPartition;

    @Column(name = "window_partitions")
    public Integer windowPartitions;

    public int contacts;

    public String payload;

    @Column(name = "received_at")
    public Instant receivedAt;

    /** The trace context (traceparent) the batch arrived with; null when tracing is off or it had none. */
    public String trace;
}
