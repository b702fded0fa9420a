package com.nosto.klaviyo.gateway.it;

import com.nosto.klaviyo.testsupport.KlaviyoEmulatorTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** The shared emulator (test-support) behind {@link KlaviyoProxy}; hands the gateway the proxy's URL. */
public class ProxiedKlaviyoEmulatorResource implements QuarkusTestResourceLifecycleManager {

    private final KlaviyoEmulatorTestResource emulator = new KlaviyoEmulatorTestResource();

    @Override
    public void init(Map<String, String> initArgs) {
        emulator.init(initArgs);
    }

    @Override
    public Map<String, String> start() {
        String emulatorUrl = emulator.start().get("klaviyo.base-url");
        try {
            return Map.of("klaviyo.base-url", KlaviyoProxy.start(emulatorUrl).baseUrl());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the Klaviyo proxy", e);
        }
    }

    @Override
    public void stop() {
        emulator.stop();
    }
}
