package com.nosto.klaviyo.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KlaviyoEmulatorMainTest {

    @Test
    void defaultsToPort8089WithRateLimitsOn() {
        EmulatorConfig c = KlaviyoEmulatorMain.parse(new String[0], null);

        assertThat(c.port()).isEqualTo(8089);
        assertThat(c.rateLimitsEnabled()).isTrue();
        assertThat(c.apiKeys()).isEmpty();
    }

    @Test
    void readsPortKeysScaleAndDelay() {
        EmulatorConfig c = KlaviyoEmulatorMain.parse(new String[] {"9000", "--key", "pk_demo", "--key", "pk_other",
                "--rate-limit-scale", "0.5", "--bulk-job-delay-ms", "1000"}, "pk_env");

        assertThat(c.port()).isEqualTo(9000);
        assertThat(c.apiKeys()).containsExactly("pk_env", "pk_demo", "pk_other");
        assertThat(c.rateLimitScale()).isEqualTo(0.5);
        assertThat(c.bulkJobDelay()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void preRegisteredKeysWorkAtOnce() {
        EmulatorConfig c = KlaviyoEmulatorMain.parse(new String[] {"--port", "0", "--key", "pk_demo"}, null);
        try (KlaviyoEmulator emulator = KlaviyoEmulator.start(c)) {
            assertThat(new Klaviyo(emulator.baseUrl(), "pk_demo").get("/api/lists").status()).isEqualTo(200);
        }
    }

    @Test
    void rejectsUnknownArguments() {
        assertThatThrownBy(() -> KlaviyoEmulatorMain.parse(new String[] {"--nope"}, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
