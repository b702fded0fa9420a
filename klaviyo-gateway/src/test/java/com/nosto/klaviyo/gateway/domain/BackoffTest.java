package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void waitsDoubleFromTheInitialUpToTheMaximum() {
        Backoff b = new Backoff(Duration.ofSeconds(30), Duration.ofMinutes(10));
        assertThat(b.after(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.after(2)).isEqualTo(Duration.ofMinutes(1));
        assertThat(b.after(5)).isEqualTo(Duration.ofMinutes(8));
        assertThat(b.after(6)).isEqualTo(Duration.ofMinutes(10));
        assertThat(b.after(1000)).isEqualTo(Duration.ofMinutes(10));
    }
}
