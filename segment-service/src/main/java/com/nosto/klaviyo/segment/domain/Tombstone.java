package com.nosto.klaviyo.segment.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/** All that is kept of a deleted contact (privacy): a hash of account|email, the deletion time and the last version. */
public final class Tombstone {

    public String keyHash;
    public String accountId;
    /** observedAt of the deletion event: events observed at or before it are stale. */
    public Instant deletedAt;
    /** The contact's last version: a re-added contact's versions continue above it. */
    public long version;

    public static Tombstone of(String keyHash, String accountId, Instant deletedAt, long version) {
        Tombstone t = new Tombstone();
        t.keyHash = keyHash;
        t.accountId = accountId;
        t.deletedAt = deletedAt;
        t.version = version;
        return t;
    }

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
