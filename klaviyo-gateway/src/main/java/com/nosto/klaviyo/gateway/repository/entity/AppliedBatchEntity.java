package com.nosto.klaviyo.gateway.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An {@code applied_batch} row: a batch id already applied (a redelivery makes no Klaviyo call); for an end
 * marker also its source partition and the window's partition count (null otherwise).
 */
@Entity
@Table(name = "applied_batch")
public class AppliedBatchEntity {

    @Id
    @Column(name = "batch_id")
    public String batchId;

    @Column(name = "account_id")
    public String accountId;

    @Column(name = "window_id")
    public String windowId;

    @Column(name = "applied_at")
    public Instant appliedAt;

    @Column(name = "source_partition")
    public Integer sourcePartition;

    @Column(name = "window_partitions")
    public Integer windowPartitions;
}
