package com.nosto.klaviyo.gateway.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An {@code account_lease} row: who applies the account now, its Klaviyo pacing state, and its place in the queue.
 * Written by native statements only (database time decides expiry; see AccountLeaseRepository). Its
 * {@code not_before} is not mapped: it holds {@code ±infinity}, which has no {@link Instant}.
 */
@Entity
@Table(name = "account_lease")
public class AccountLeaseEntity {

    @Id
    @Column(name = "account_id")
    public String accountId;

    public String holder;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "pacer_state")
    public String pacerState;

    @Column(name = "turn_ended_at")
    public Instant turnEndedAt;

    @Column(name = "waiting_kind")
    public String waitingKind;

    @Column(name = "waiting_reason")
    public String waitingReason;

    public int failures;
}
