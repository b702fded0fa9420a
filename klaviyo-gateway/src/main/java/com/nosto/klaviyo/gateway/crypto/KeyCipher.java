package com.nosto.klaviyo.gateway.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts Klaviyo private keys at rest (G12): AES-256-GCM under a key-encryption key chosen by id, the
 * account id bound as associated data (a row copied to another account fails to decrypt). The stored
 * form is {@code iv(12) || ciphertext+tag}; the key id is stored beside it so keys can rotate.
 */
public final class KeyCipher {

    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    /** Stored form of one secret. */
    public record Sealed(String keyId, byte[] bytes) {
    }

    private final Map<String, SecretKeySpec> keys = new TreeMap<>();
    private final String activeKeyId;
    private final SecureRandom random = new SecureRandom();

    public KeyCipher(Map<String, String> base64Keys, String activeKeyId) {
        base64Keys.forEach((id, b64) -> {
            byte[] raw = Base64.getDecoder().decode(b64.trim());
            if (raw.length != 32) {
                throw new IllegalArgumentException("Key-encryption key '" + id + "' must be 32 bytes (AES-256), got " + raw.length);
            }
            keys.put(id, new SecretKeySpec(raw, "AES"));
        });
        if (!keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("Active key id '" + activeKeyId + "' is not among the configured keys " + keys.keySet());
        }
        this.activeKeyId = activeKeyId;
    }

    public String activeKeyId() {
        return activeKeyId;
    }

    public Sealed seal(String accountId, String secret) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKeyId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(accountId.getBytes(StandardCharsets.UTF_8));
            byte[] ct = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return new Sealed(activeKeyId, ByteBuffer.allocate(IV_BYTES + ct.length).put(iv).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot encrypt", e);
        }
    }

    public String open(String accountId, Sealed sealed) {
        SecretKeySpec key = keys.get(sealed.keyId());
        if (key == null) {
            throw new IllegalStateException("Key-encryption key '" + sealed.keyId() + "' is no longer configured");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.bytes(), 0, IV_BYTES));
            cipher.updateAAD(accountId.getBytes(StandardCharsets.UTF_8));
            byte[] pt = cipher.doFinal(sealed.bytes(), IV_BYTES, sealed.bytes().length - IV_BYTES);
            return new String(pt, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            // Never include the ciphertext or key material in the message.
            throw new IllegalStateException("Cannot decrypt the stored Klaviyo key of account " + accountId, e);
        }
    }

    /** Whether a stored secret should be re-sealed under the active key (rotation). */
    public boolean needsRotation(Sealed sealed) {
        return !activeKeyId.equals(sealed.keyId());
    }

    /** The ids of the KEKs configured here (the active one among them). */
    public Set<String> keyIds() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    /** The same secret sealed under the active key; throws like {@link #open} when it cannot be opened. */
    public Sealed reseal(String accountId, Sealed sealed) {
        return seal(accountId, open(accountId, sealed));
    }
}
