package com.nosto.klaviyo.gateway.repository.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/**
 * A {@code contact_ledger} row: the last applied version per contact and its cached Klaviyo profile id.
 * Mapped for HQL (e.g. clearing profile ids on disconnect); the per-batch read and the forward-only
 * upsert are set-based native statements (see SyncStateRepository).
 */
@Entity
@Table(name = "contact_ledger")
public class ContactLedgerEntity {

    @Embeddable
    public record Key(@Column(name = "account_id") String accountId, @Column(name = "email") String email)
            implements Serializable {
    }

    @EmbeddedId
    public Key id;

    @Column(name = "applied_version")
    public long appliedVersion;

    @Column(name = "profile_id")
    public String profileId;

    @Column(name = "in_list")
    public boolean inList;

    @Column(name = "updated_at")
    public Instant updatedAt;
}
