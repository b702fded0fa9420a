package com.nosto.klaviyo.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/**
 * What the gateway's API port shows without a token (issue 21): the admin page's files and its configuration,
 * with a Content-Security-Policy that lets it connect only to the configured services, and nothing else.
 */
@QuarkusTest
class HttpSurfaceTest {

    @Test
    void theAdminPageIsPublicWithItsSecurityHeaders() {
        Response page = given().when().get("/admin/index.html");
        assertThat(page.statusCode()).isEqualTo(200);
        String csp = page.header("Content-Security-Policy");
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                "connect-src 'self' http://127.0.0.1:18080 http://127.0.0.1:18082;").doesNotContain("unsafe");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        given().when().get("/admin/app.js").then().statusCode(200).header("Content-Security-Policy", csp);
    }

    @Test
    void thePageLearnsTheServicesFromTheGatewayOnly() {
        given().when().get("/admin/config.json").then().statusCode(200).contentType("application/json")
                .body("segmentServiceUrl", is("http://127.0.0.1:18080")).body("syncWorkerUrl", is("http://127.0.0.1:18082"));
    }

    @Test
    void nothingElseIsPublic() {
        for (String path : new String[] {"/", "/q/dev-ui", "/favicon.ico", "/admin-backup/x", "/api"}) {
            given().when().get(path).then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Bearer"));
        }
        Response post = given().contentType("application/json").body("{}").when().post("/admin/index.html");
        assertThat(post.statusCode()).isIn(401, 403, 405);
        given().auth().oauth2(Tokens.sre()).when().get("/elsewhere").then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void aMalformedQueryParameterIs400WithAProblem() {
        for (String limit : new String[] {"abc", "0", "501", "1e3", "-1", "7.5"}) {
            given().auth().oauth2(Tokens.forAccounts("acme")).queryParam("limit", limit)
                    .when().get("/api/accounts/acme/sync-runs")
                    .then().statusCode(400).contentType("application/problem+json").body("status", is(400));
        }
        given().auth().oauth2(Tokens.forAccounts("acme")).queryParam("limit", "7")
                .when().get("/api/accounts/acme/sync-runs").then().statusCode(200);
    }
}
