package com.nosto.klaviyo.testsupport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * What every service's OpenAPI document shows, checked the same way in each: it is served on the management interface
 * (never the API port), describes every JAX-RS endpoint of the service with the bearer JWT scheme and its problem
 * responses (401, 403, 503, and 429 where the operation is rate-limited), and is the document committed as
 * {@code docs/api/<service>.yaml}, so the committed description cannot drift from the code. Each service's
 * {@code @QuarkusTest OpenApiTest} extends this.
 */
public abstract class OpenApiContract {

    private static final String RATE_LIMITED = "com.nosto.klaviyo.common.ratelimit.RateLimited";
    private static final String PROBLEM_SCHEMA = "#/components/schemas/Problem";

    @TestHTTPResource(value = "/", management = true)
    URL management;

    /** The service's name: its committed document is {@code docs/api/<name>.yaml}. */
    protected abstract String serviceName();

    /** The root package of the service's resources (for {@link ApiEndpoints}): the subclass's package by default. */
    protected String rootPackage() {
        return getClass().getPackageName();
    }

    private JsonNode served() throws IOException {
        String body = given().accept("application/json").when()
                .get(management.toString().replaceAll("/+$", "") + "/openapi?format=json")
                .then().statusCode(200).extract().asString();
        return new ObjectMapper().readTree(body);
    }

    @Test
    void everyEndpointIsDescribedWithTheBearerSchemeAndItsProblemResponses() throws IOException {
        JsonNode doc = served();
        List<ApiEndpoints.Endpoint> endpoints = ApiEndpoints.under(rootPackage());
        assertThat(endpoints).isNotEmpty();
        for (ApiEndpoints.Endpoint e : endpoints) {
            JsonNode op = doc.path("paths").path(e.template()).path(e.method().toLowerCase(Locale.ROOT));
            assertThat(op.isObject()).as("%s is in the document", e).isTrue();
            assertThat(op.path("summary").asText()).as("%s has a summary", e).isNotBlank();
            assertThat(op.path("security").findValues("bearerJwt")).as("%s names the bearer scheme", e).isNotEmpty();
            JsonNode responses = op.path("responses");
            assertThat(responses.properties().stream().map(java.util.Map.Entry::getKey).filter(s -> s.startsWith("2")))
                    .as("%s documents its success", e).isNotEmpty();
            for (String status : new String[] {"401", "403", "503"}) {
                assertThat(isProblem(doc, responses.path(status))).as("%s answers %s with a problem", e, status).isTrue();
            }
            if (e.annotations().contains(RATE_LIMITED)) {
                assertThat(isProblem(doc, responses.path("429"))).as("%s is rate-limited: 429 documented", e).isTrue();
            } else {
                assertThat(responses.has("429")).as("%s is not rate-limited: no 429", e).isFalse();
            }
        }
    }

    @Test
    void theSecuritySchemeIsABearerJwt() throws IOException {
        JsonNode scheme = served().path("components").path("securitySchemes").path("bearerJwt");
        assertThat(scheme.path("type").asText()).isEqualTo("http");
        assertThat(scheme.path("scheme").asText()).isEqualTo("bearer");
        assertThat(scheme.path("bearerFormat").asText()).isEqualTo("JWT");
    }

    @Test
    void problemResponsesAreProblemJsonWithTheirHeaders() throws IOException {
        JsonNode responses = served().path("components").path("responses");
        assertThat(responses.path("Unauthorized").path("content").path("application/problem+json").path("schema")
                .path("$ref").asText()).isEqualTo(PROBLEM_SCHEMA);
        assertThat(responses.path("Unauthorized").path("headers").has("WWW-Authenticate")).isTrue();
        assertThat(responses.path("ServiceUnavailable").path("headers").has("Retry-After")).isTrue();
        assertThat(responses.path("TooManyRequests").path("headers").has("Retry-After")).isTrue();
    }

    /** The API port does not serve it (nor Swagger UI): only the management port, which the NetworkPolicy guards. */
    @Test
    void theDocumentIsNotOnTheApiPort() {
        for (String path : new String[] {"/q/openapi", "/openapi", "/q/swagger-ui/"}) {
            int status = given().when().get(path).then().extract().statusCode();
            assertThat(status).as("GET %s on the API port", path).isIn(401, 403, 404);
        }
    }

    @Test
    void theCommittedDocumentIsTheServedOne() throws IOException {
        Path committed = ProjectRoot.find().resolve("docs/api/" + serviceName() + ".yaml");
        assertThat(committed).as("docs/api/%s.yaml exists", serviceName()).exists();
        JsonNode expected = new YAMLMapper().readTree(Files.readString(committed));
        assertThat(served()).as("docs/api/%s.yaml is what the code generates: build the service, then run"
                + " python3 deploy/ci/openapi-check.py --write", serviceName()).isEqualTo(expected);
    }

    /** A problem response: a reference to one of OpenApiProblems' responses, or content in application/problem+json. */
    private static boolean isProblem(JsonNode doc, JsonNode response) {
        String ref = response.path("$ref").asText("");
        if (ref.startsWith("#/components/responses/")) {
            response = doc.path("components").path("responses").path(ref.substring("#/components/responses/".length()));
        }
        return response.path("content").has("application/problem+json");
    }
}
