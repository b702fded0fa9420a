package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import com.nosto.klaviyo.gateway.service.KeyReencryption;
import com.nosto.klaviyo.testsupport.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The KEK rotation end to end: keys sealed under the old KEK (test-0) before test-1 became active are re-sealed under
 * test-1 by the background job, still open to the same Klaviyo key, and the status says when test-0 can go. Two runs at
 * once (as two replicas) share the rows: each row is re-sealed exactly once.
 */
@QuarkusTest
class KeyReencryptionTest extends GatewayTestBase {

    private static final String OLD = "test-0";
    private static final String ACTIVE = "test-1";

    @Inject
    KeyReencryption reencryption;

    @Inject
    ConnectionRepository connections;

    @Inject
    KeyCipher cipher;

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry registry;

    /** {@code n} connections whose keys were sealed while test-0 was the active KEK: account id → plain Klaviyo key. */
    private Map<String, String> sealedUnderTheOldKek(int n) {
        KeyCipher before = new KeyCipher(config.crypto().keys(), OLD);
        Map<String, String> keys = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String account = accountId + "-" + i;
            String key = "pk_rot_" + UUID.randomUUID().toString().replace("-", "");
            KeyCipher.Sealed sealed = before.seal(account, key);
            execute("""
                    INSERT INTO klaviyo_gateway.klaviyo_connection (account_id, key_id, encrypted_key, key_last4, list_id, list_name,
                        status, connected_at, updated_at) VALUES (?, ?, ?, ?, 'L1', 'Nosto Customers', 'CONNECTED', now(), now())""",
                    account, sealed.keyId(), sealed.bytes(), key.substring(key.length() - 4));
            keys.put(account, key);
        }
        return keys;
    }

    private Connection stored(String account) {
        return connections.find(account).await().atMost(Duration.ofSeconds(10)).orElseThrow();
    }

    private static long underOldKek() {
        return Long.parseLong(query("SELECT count(*) FROM klaviyo_gateway.klaviyo_connection WHERE key_id = ?", OLD).get(0));
    }

    private static JsonPath kekStatus() {
        return given().auth().oauth2(Tokens.sre()).when().get("/api/admin/kek")
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    @Test
    void everyKeySealedUnderTheOldKekEndsUnderTheActiveOneAndStillOpensToTheSameKey() {
        Map<String, String> keys = sealedUnderTheOldKek(5);
        JsonPath before = kekStatus();
        assertThat(before.getString("activeKeyId")).isEqualTo(ACTIVE);
        assertThat(before.getLong("connectionsByKek.'test-0'")).isGreaterThanOrEqualTo(5);
        assertThat(before.getBoolean("complete")).isFalse();
        assertThat(before.getList("removableKeyIds")).doesNotContain(OLD);

        int resealed = reencryption.reencrypt().await().atMost(Duration.ofSeconds(30));

        assertThat(resealed).isGreaterThanOrEqualTo(5);
        keys.forEach((account, key) -> {
            Connection c = stored(account);
            assertThat(c.keyId()).as(account).isEqualTo(ACTIVE);
            assertThat(cipher.open(account, new KeyCipher.Sealed(c.keyId(), c.encryptedKey()))).as(account).isEqualTo(key);
        });
        JsonPath after = kekStatus();
        assertThat(after.getLong("connectionsByKek.'test-0'")).isZero();
        assertThat(after.getLong("toReencrypt")).isZero();
        assertThat(after.getBoolean("complete")).isTrue();
        assertThat(after.getList("removableKeyIds")).containsExactly(OLD);
        assertThat(registry.get("gateway.connections.by.kek").tag("kek", OLD).gauge().value()).isZero();
        assertThat(registry.get("gateway.connections.by.kek").tag("kek", ACTIVE).gauge().value()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void twoRunsAtOnceReSealEveryRowExactlyOnceAndCorruptNone() {
        Map<String, String> keys = sealedUnderTheOldKek(30);
        long pending = underOldKek();

        List<Integer> runs = Uni.join().all(reencryption.reencrypt(), reencryption.reencrypt()).andFailFast()
                .await().atMost(Duration.ofSeconds(60));

        // Each row claimed by one run only (FOR UPDATE SKIP LOCKED): together they re-sealed each pending row once.
        assertThat(runs.get(0) + runs.get(1)).isEqualTo((int) pending);
        assertThat(underOldKek()).isZero();
        keys.forEach((account, key) -> {
            Connection c = stored(account);
            assertThat(c.keyId()).isEqualTo(ACTIVE);
            assertThat(cipher.open(account, new KeyCipher.Sealed(c.keyId(), c.encryptedKey()))).isEqualTo(key);
        });
    }

    @Test
    void aKeyThatCannotBeOpenedIsPassedAndTheOthersAreReSealed() {
        Map<String, String> keys = sealedUnderTheOldKek(3);
        String broken = keys.keySet().iterator().next();
        execute("UPDATE klaviyo_gateway.klaviyo_connection SET encrypted_key = ? WHERE account_id = ?", new byte[40], broken);

        reencryption.reencrypt().await().atMost(Duration.ofSeconds(30));

        assertThat(stored(broken).keyId()).isEqualTo(OLD);
        keys.keySet().stream().filter(a -> !a.equals(broken)).forEach(a -> assertThat(stored(a).keyId()).isEqualTo(ACTIVE));
        assertThat(kekStatus().getBoolean("complete")).isFalse();
        execute("DELETE FROM klaviyo_gateway.klaviyo_connection WHERE account_id = ?", broken);
    }

    @Test
    void keysUnderAKekNotConfiguredHereAreCountedAsUnreadableAndLeftAlone() {
        String account = sealedUnderTheOldKek(1).keySet().iterator().next();
        execute("UPDATE klaviyo_gateway.klaviyo_connection SET key_id = 'retired-7' WHERE account_id = ?", account);

        reencryption.reencrypt().await().atMost(Duration.ofSeconds(30));

        assertThat(stored(account).keyId()).isEqualTo("retired-7");
        JsonPath status = kekStatus();
        assertThat(status.getLong("unreadable")).isGreaterThanOrEqualTo(1);
        assertThat(status.getLong("connectionsByKek.'retired-7'")).isGreaterThanOrEqualTo(1);
        execute("DELETE FROM klaviyo_gateway.klaviyo_connection WHERE account_id = ?", account);
    }

    @Test
    void theStatusIsForOperatorsOnly() {
        given().auth().oauth2(token()).when().get("/api/admin/kek").then().statusCode(403).contentType("application/problem+json");
    }
}
