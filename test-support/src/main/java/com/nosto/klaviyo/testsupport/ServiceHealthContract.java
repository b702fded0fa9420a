package com.nosto.klaviyo.testsupport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.http.TestHTTPResource;
import io.vertx.mutiny.sqlclient.Pool;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What every service shows an operator, checked the same way in each: its probes are up against the real broker
 * and database and it serves Prometheus metrics, both on the management interface (its own port, never the API's),
 * and its database pool plans every statement for its parameters. Each service's {@code @QuarkusTest HealthTest}
 * extends this and hands over its own pool.
 */
public abstract class ServiceHealthContract {

    /**
     * The management interface's root path, {@code /q} ({@code quarkus.management.test-port=0}: a random port,
     * learnt here).
     */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    private String at(String path) {
        return management.toString().replaceAll("/+$", "") + path;
    }

    /** The service's reactive pool (injected in the subclass, which Quarkus builds as a bean). */
    protected abstract Pool pool();

    @Test
    void probesAreUpWithRealKafkaAndPostgres() {
        for (String probe : new String[] {"live", "ready", "started"}) {
            given().when().get(at("/health/" + probe)).then().statusCode(200).body("status", is("UP"));
        }
    }

    @Test
    void prometheusMetricsAreServed() {
        given().when().get(at("/metrics")).then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }

    /** The API port serves neither: probes and metrics are reachable only where the NetworkPolicy lets operators in. */
    @Test
    void healthAndMetricsAreNotOnTheApiPort() {
        assertThat(management.getPort()).isNotEqualTo(io.restassured.RestAssured.port);
        for (String path : new String[] {"/q/health/ready", "/q/metrics"}) {
            int status = given().when().get(path).then().extract().statusCode();
            assertThat(status).as("GET %s on the API port", path).isIn(401, 403, 404);
        }
    }

    /** The pool's connections carry plan_cache_mode (application.properties): no generic plan outlives a table's growth. */
    @Test
    void databaseConnectionsPlanEveryStatementForItsParameters() {
        String mode = pool().query("show plan_cache_mode").execute().await().atMost(Duration.ofSeconds(10)).iterator().next()
                .getString(0);
        assertThat(mode).isEqualTo("force_custom_plan");
    }
}
