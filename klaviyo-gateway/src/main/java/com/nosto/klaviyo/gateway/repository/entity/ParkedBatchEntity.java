package com.nosto.klaviyo.gateway.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A {@code parked_batch} row: a batch kept for later (not connected, key rejected, Klaviyo unavailable). */
@Entity
@Table(name = "parked_batch")
public class ParkedBatchEntity {

    @Id
    @Column(name = "batch_id")
    public String batchId;

    @Column(name = "account_id")
    public String accountId;

    @Column(name = "sequence")
    public int sequence;

    public String payload;

    public String reason;

    public int attempts;

    @Column(name = "parked_at")
    public Instant parkedAt;

    @Column(name = "updated_at")
    public Instant updatedAt;
}
