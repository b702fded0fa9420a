package com.nosto.klaviyo.testsupport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.vertx.mutiny.sqlclient.Pool;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What every service shows an operator, checked the same way in each: its probes are up against the real broker
 * and database, it serves Prometheus metrics, and its database pool plans every statement for its parameters.
 * Each service's {@code @QuarkusTest HealthTest} extends this and hands over its own pool.
 */
public abstract class ServiceHealthContract {

    /** The service's reactive pool (injected in the subclass, which Quarkus builds as a bean). */
    protected abstract Pool pool();

    @Test
    void probesAreUpWithRealKafkaAndPostgres() {
        for (String probe : new String[] {"live", "ready", "started"}) {
            given().when().get("/q/health/" + probe).then().statusCode(200).body("status", is("UP"));
        }
    }

    @Test
    void prometheusMetricsAreServed() {
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }

    /** The pool's connections carry plan_cache_mode (application.properties): no generic plan outlives a table's growth. */
    @Test
    void databaseConnectionsPlanEveryStatementForItsParameters() {
        String mode = pool().query("show plan_cache_mode").execute().await().atMost(Duration.ofSeconds(10)).iterator().next()
                .getString(0);
        assertThat(mode).isEqualTo("force_custom_plan");
    }
}
