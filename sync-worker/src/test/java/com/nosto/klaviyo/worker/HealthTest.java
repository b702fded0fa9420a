package com.nosto.klaviyo.worker;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@QuarkusTest
class HealthTest {

    @Inject
    Pool pool;

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
        String mode = pool.query("show plan_cache_mode").execute().await().atMost(Duration.ofSeconds(10)).iterator().next()
                .getString(0);
        assertThat(mode).isEqualTo("force_custom_plan");
    }
}
