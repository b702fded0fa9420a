package com.nosto.klaviyo.gateway.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyCipherTest {

    private static final String K1 = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    private static final String K2 = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8));

    @Test
    void sealedKeyOpensAndDoesNotContainThePlaintext() {
        KeyCipher cipher = new KeyCipher(Map.of("k1", K1), "k1");
        KeyCipher.Sealed sealed = cipher.seal("acme", "pk_secret_1234");
        assertThat(new String(sealed.bytes(), StandardCharsets.ISO_8859_1)).doesNotContain("pk_secret");
        assertThat(sealed.keyId()).isEqualTo("k1");
        assertThat(cipher.open("acme", sealed)).isEqualTo("pk_secret_1234");
    }

    @Test
    void aRowCopiedToAnotherAccountDoesNotDecrypt() {
        KeyCipher cipher = new KeyCipher(Map.of("k1", K1), "k1");
        KeyCipher.Sealed sealed = cipher.seal("acme", "pk_secret");
        assertThatThrownBy(() -> cipher.open("other", sealed)).isInstanceOf(IllegalStateException.class)
                .hasMessageNotContaining("pk_secret");
    }

    @Test
    void rotationKeepsOldKeysReadableAndSealsWithTheActiveOne() {
        KeyCipher old = new KeyCipher(Map.of("k1", K1), "k1");
        KeyCipher.Sealed before = old.seal("acme", "pk_secret");
        KeyCipher rotated = new KeyCipher(Map.of("k1", K1, "k2", K2), "k2");
        assertThat(rotated.open("acme", before)).isEqualTo("pk_secret");
        assertThat(rotated.needsRotation(before)).isTrue();
        assertThat(rotated.seal("acme", "pk_secret").keyId()).isEqualTo("k2");
    }

    @Test
    void refusesKeysOfTheWrongSizeOrAMissingActiveId() {
        assertThatThrownBy(() -> new KeyCipher(Map.of("k1", Base64.getEncoder().encodeToString(new byte[16])), "k1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyCipher(Map.of("k1", K1), "k9")).isInstanceOf(IllegalArgumentException.class);
    }
}
