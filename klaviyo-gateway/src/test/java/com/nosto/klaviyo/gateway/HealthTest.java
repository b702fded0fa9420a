package com.nosto.klaviyo.gateway;

import com.nosto.klaviyo.testsupport.ServiceHealthContract;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/** Probes, metrics and the database pool's planning mode, as every service shows them (ServiceHealthContract). */
@QuarkusTest
class HealthTest extends ServiceHealthContract {

    @Inject
    Pool pool;

    @Override
    protected Pool pool() {
        return pool;
    }
}
