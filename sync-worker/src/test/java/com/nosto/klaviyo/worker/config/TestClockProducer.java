package com.nosto.klaviyo.worker.config;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Replaces the worker's default system clock in every @QuarkusTest of this module. */
public class TestClockProducer {

    @Produces
    @Singleton
    Clock clock() {
        return TestClock.INSTANCE;
    }
}
