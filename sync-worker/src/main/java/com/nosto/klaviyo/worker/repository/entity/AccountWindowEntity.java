package com.nosto.klaviyo.worker.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** One row per account; {@code createdAt} anchors the account's regular-window grid. */
@Entity
@Table(name = "account_window")
public class AccountWindowEntity {

    @Id
    @Column(name = "account_id")
    public String accountId;

    @Column(name = "created_at")
    public Instant createdAt;
}
