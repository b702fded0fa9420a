package com.nosto.klaviyo.emulator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * One emulator per test class, rate limits off (rate limiting has its own tests); each test gets its own key and so
 * its own isolated account.
 */
abstract class EmulatorTest {

    static KlaviyoEmulator emulator;

    String key;
    EmulatedAccount account;
    Klaviyo klaviyo;

    @BeforeAll
    static void startEmulator() {
        emulator = KlaviyoEmulator.start(EmulatorConfig.defaults().withRateLimitsEnabled(false).withBulkJobDelay(java.time.Duration.ofMillis(50)));
    }

    @AfterAll
    static void stopEmulator() {
        emulator.close();
    }

    @BeforeEach
    void newAccount() {
        emulator.faults().clear();
        key = Klaviyo.uniqueKey();
        account = emulator.account(key);
        klaviyo = new Klaviyo(emulator.baseUrl(), key);
    }
}
