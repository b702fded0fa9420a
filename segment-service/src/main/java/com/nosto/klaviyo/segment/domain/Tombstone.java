package com.nosto.klaviyo.segment.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/** All that is kept of a deleted contact (privacy): a hash of account|email, the deletion time and last version. */
@Entity
@Table(name = "contact_tombstone")
public class Tombstone {

    @Id
    @Column(name = "key_hash")
    public String keyHash;

    @Column(name = "account_id")
    public String accountId;

    /** observedAt of the deletion event: events observed at or before it are stale. */
    @Column(name = "deleted_at")
    public Instant deletedAt;

    public long version;

    public static String hash(String accountId, String email) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((accountId + "|" + email).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }
}
