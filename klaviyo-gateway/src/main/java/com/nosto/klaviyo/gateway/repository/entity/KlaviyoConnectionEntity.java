package com.nosto.klaviyo.gateway.repository.entity;

import com.nosto.klaviyo.gateway.domain.Connection;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A {@code klaviyo_connection} row (Flyway V1/V2/V7); the service works with the {@link Connection} record. */
@Entity
@Table(name = "klaviyo_connection")
public class KlaviyoConnectionEntity {

    @Id
    @Column(name = "account_id")
    public String accountId;

    @Column(name = "key_id")
    public String keyId;

    /** iv‖ciphertext‖tag; never the plain key (G12). */
    @Column(name = "encrypted_key")
    public byte[] encryptedKey;

    @Column(name = "key_last4")
    public String keyLast4;

    @Column(name = "list_id")
    public String listId;

    @Column(name = "list_name")
    public String listName;

    @Enumerated(EnumType.STRING)
    public Connection.Status status;

    @Column(name = "status_reason")
    public String statusReason;

    @Column(name = "connected_at")
    public Instant connectedAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Column(name = "last_sync_at")
    public Instant lastSyncAt;

    /** The Klaviyo account the key reaches (get_accounts at connect). */
    @Column(name = "klaviyo_account_id")
    public String klaviyoAccountId;

    public Connection toConnection() {
        return new Connection(accountId, keyId, encryptedKey, keyLast4, listId, listName, status, statusReason, connectedAt,
                updatedAt, lastSyncAt, klaviyoAccountId);
    }
}
