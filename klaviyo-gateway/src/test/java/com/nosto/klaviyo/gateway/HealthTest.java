package com.nosto.klaviyo.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class HealthTest {

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
}
