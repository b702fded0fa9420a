package com.nosto.klaviyo.common.time;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The one source of "now" in every service (UTC): versions, windows, leases and retention all read it. A test
 * replaces it by producing a {@link Clock} of its own (this one is only the default bean).
 */
public class ClockProducer {

    @Produces
    @Singleton
    @DefaultBean
    Clock clock() {
        return Clock.systemUTC();
    }
}
