package com.nosto.klaviyo.gateway.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A {@code sync_row_error} row: one FAILED/SKIPPED row outcome of a batch. */
@Entity
@Table(name = "sync_row_error")
public class SyncRowErrorEntity {

    /** BIGSERIAL: insertion order, which is also the order shown. */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "account_id")
    public String accountId;

    @Column(name = "window_id")
    public String windowId;

    @Column(name = "batch_id")
    public String batchId;

    public String email;

    public String outcome;

    public String detail;

    /** Column {@code at}; the field has another name because AT is an HQL keyword. */
    @Column(name = "at")
    public Instant occurredAt;
}
