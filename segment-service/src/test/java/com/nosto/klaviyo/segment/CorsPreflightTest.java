package com.nosto.klaviyo.segment;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/**
 * The admin page (served by the gateway) calls this service cross-origin: its preflight passes although every path
 * is denied by default (a preflight carries no token), and only the page's configured origins are allowed.
 */
@QuarkusTest
class CorsPreflightTest {

    private static Response preflight(String origin) {
        return given().header("Origin", origin).header("Access-Control-Request-Method", "PUT")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .when().options("/api/accounts/acme/segments/vip/sync");
    }

    @Test
    void theAdminPagesOriginMayCallAndNoOtherOrigin() {
        Response allowed = preflight("http://127.0.0.1:8083");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("http://127.0.0.1:8083");

        Response other = preflight("https://elsewhere.example");
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
    }
}
