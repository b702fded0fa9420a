package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nosto.klaviyo.testsupport.ApiEndpoints.Access;
import com.nosto.klaviyo.testsupport.ApiEndpoints.Endpoint;
import io.restassured.RestAssured;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Who may call what (G12), checked the same way on every JAX-RS endpoint of a service: the endpoints are found by
 * reflection ({@link ApiEndpoints}) under the subclass's package, so a new endpoint is covered the day it is added.
 * Forged, expired and misdirected tokens get a 401 problem, a token for another account a 403 problem, and no
 * spelling of a path (matrix parameters, encoded separators, dot segments, double slashes, case) reaches another
 * account. Each service's {@code @QuarkusTest ApiSecurityTest} extends this.
 */
public abstract class ApiSecurityContract {

    /** The account the tests' merchant token is for, and another account it must never reach. */
    protected static final String ACCOUNT = "sec-acme";
    protected static final String OTHER = "sec-globex";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /** The root package whose resource classes are the service's endpoints; the subclass's package by default. */
    protected String rootPackage() {
        return getClass().getPackageName();
    }

    protected final List<Endpoint> endpoints() {
        return ApiEndpoints.under(rootPackage());
    }

    @Test
    void endpointsAreFoundAndEveryOneDeclaresWhoMayCallIt() {
        List<Endpoint> endpoints = endpoints();
        assertThat(endpoints).as("JAX-RS endpoints under %s", rootPackage()).isNotEmpty();
        // Annotations hold the check after routing, whatever the HTTP path policy matched; nothing is public.
        assertThat(endpoints).filteredOn(e -> e.access() != Access.AUTHENTICATED && e.access() != Access.OPERATORS_ONLY)
                .as("endpoints without @Authenticated or @RolesAllowed (class or method)").isEmpty();
        // Outside /api/accounts/{accountId} the account check cannot scope a call: only operators may make it.
        assertThat(endpoints).filteredOn(e -> !e.hasAccount() && e.access() != Access.OPERATORS_ONLY)
                .as("endpoints outside /api/accounts/{accountId} open to merchants: the account check would not scope them").isEmpty();
    }

    @Test
    void noTokenIs401WithProblemEverywhere() {
        assertRefusedEverywhere("no token", null);
    }

    @Test
    void garbageTokenIs401WithProblemEverywhere() {
        assertRefusedEverywhere("not a JWT", "not-a-jwt");
    }

    @Test
    void expiredTokenIs401WithProblemEverywhere() {
        assertRefusedEverywhere("expired", Tokens.expiredSre());
    }

    @Test
    void tokenFromAnotherIssuerIs401WithProblemEverywhere() {
        assertRefusedEverywhere("wrong issuer", Tokens.sreFromIssuer("https://issuer.example.org"));
    }

    @Test
    void tokenForAnotherAudienceIs401WithProblemEverywhere() {
        assertRefusedEverywhere("wrong audience", Tokens.sreForAudience("another-system"));
    }

    @Test
    void tokenWithoutAudienceIs401WithProblemEverywhere() {
        assertRefusedEverywhere("no audience", Tokens.sreWithoutAudience());
    }

    @Test
    void unsignedTokenIs401WithProblemEverywhere() {
        assertRefusedEverywhere("alg=none", Tokens.unsignedSre());
    }

    @Test
    void tokenSignedByAnotherKeyIs401WithProblemEverywhere() {
        assertRefusedEverywhere("signed by another key", Tokens.sreSignedByAnotherKey());
    }

    @Test
    void tokenForAnotherAccountIs403WithProblemEverywhere() {
        String token = Tokens.forAccounts(OTHER);
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            Answer a = call(e.method(), e.path(ACCOUNT), token);
            if (a.status() != 403 || !a.isProblem()) {
                wrong.add(e + " -> " + a);
            }
        }
        assertThat(wrong).as("a token for %s on %s's endpoints must get a 403 problem", OTHER, ACCOUNT).isEmpty();
    }

    @Test
    void merchantTokenIs403WithProblemOnOperatorEndpoints() {
        String token = Tokens.forAccounts(ACCOUNT);
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            if (e.access() == Access.OPERATORS_ONLY) {
                Answer a = call(e.method(), e.path(ACCOUNT), token);
                if (a.status() != 403 || !a.isProblem()) {
                    wrong.add(e + " -> " + a);
                }
            }
        }
        assertThat(wrong).as("operator-only endpoints with the account's own merchant token").isEmpty();
    }

    /**
     * The positive control: the right token passes the security checks on every endpoint (the request may still
     * be refused for its empty body, which is after them), so the refusals above are about the token.
     */
    @Test
    void theRightTokenPassesTheChecksEverywhere() {
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            String token = e.access() == Access.OPERATORS_ONLY ? Tokens.sre() : Tokens.forAccounts(ACCOUNT);
            Answer a = call(e.method(), e.path(ACCOUNT), token);
            if (a.status() == 401 || a.status() == 403 || a.status() >= 500) {
                wrong.add(e + " -> " + a);
            }
        }
        assertThat(wrong).as("endpoints refusing their own account's token").isEmpty();
    }

    /**
     * Spellings of another account's path (each would route to it in some server or proxy) with a token for
     * {@link #ACCOUNT}, and without any token: never a 2xx or 3xx, never a 5xx, and every refusal a problem body.
     */
    @Test
    void noPathSpellingReachesAnotherAccountOrPassesWithoutToken() {
        String token = Tokens.forAccounts(ACCOUNT);
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            for (String path : variants(e)) {
                for (String t : new String[] {token, null}) {
                    Answer a = call(e.method(), path, t);
                    if (a.status() < 400 || a.status() >= 500 || !a.isProblem()) {
                        wrong.add(e.method() + " " + path + (t == null ? " (no token)" : " (token for " + ACCOUNT + ")")
                                + " -> " + a);
                    }
                }
            }
        }
        assertThat(wrong).as("path spellings that were not refused with a problem").isEmpty();
    }

    /** Paths that name {@link #OTHER} (or reach no endpoint) in every way routing could be fooled. */
    private static List<String> variants(Endpoint e) {
        List<Function<String, String>> forms = List.of(
                a -> OTHER + ";x=1",                   // matrix parameter
                a -> OTHER + "%3B",                    // encoded ';'
                a -> ACCOUNT + ";/../" + OTHER,        // ';' before a dot segment (Tomcat-style bypass)
                a -> ACCOUNT + "/../" + OTHER,         // dot segment
                a -> ACCOUNT + "/%2e%2e/" + OTHER,     // encoded dot segment
                a -> ACCOUNT + "%2F..%2F" + OTHER,     // encoded separators
                a -> ACCOUNT + "%2f" + OTHER,
                a -> "/" + OTHER,                      // double slash before the account
                a -> OTHER + "/",                      // double slash after it
                a -> OTHER.toUpperCase());              // case
        List<String> paths = new ArrayList<>();
        for (Function<String, String> f : forms) {
            paths.add(e.path(f.apply(ACCOUNT)));
        }
        String plain = e.path(OTHER);
        paths.add("/" + plain);                          // leading double slash
        paths.add(plain.replaceFirst("^/api/", "/api//"));
        paths.add(plain.replaceFirst("^/api/", "/API/"));
        paths.add(plain.replaceFirst("^/api/accounts/", "/api/Accounts/"));
        paths.add(plain + "/");
        paths.add(plain + ";");
        paths.add(plain + "%00");
        return paths;
    }

    private void assertRefusedEverywhere(String what, String token) {
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            for (String account : new String[] {ACCOUNT, OTHER}) {
                Answer a = call(e.method(), e.path(account), token);
                if (a.status() != 401 || !a.isProblem() || !a.challenge().startsWith("Bearer")) {
                    wrong.add(e + " on " + account + " -> " + a);
                }
            }
        }
        assertThat(wrong).as("%s: every endpoint must answer 401 with a problem body and a Bearer challenge", what).isEmpty();
    }

    /** What came back: status, content type, parsed body (null when not JSON) and the WWW-Authenticate header. */
    protected record Answer(int status, String contentType, JsonNode body, String challenge) {

        boolean isProblem() {
            return contentType.startsWith("application/problem+json") && body != null
                    && body.path("status").asInt() == status && body.hasNonNull("title");
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + (body == null ? "(no JSON body)" : body);
        }
    }

    /** Sends the path as given (no normalisation, no encoding) with an empty JSON body where the method has one. */
    protected static Answer call(String method, String rawPath, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + rawPath))
                .timeout(Duration.ofSeconds(20)).header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", Tokens.bearer(token));
        }
        boolean withBody = Set.of("POST", "PUT", "PATCH").contains(method);
        if (withBody) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, withBody ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody());
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = null;
            try {
                body = r.body().isBlank() ? null : JSON.readTree(r.body());
            } catch (IOException notJson) {
                body = null;
            }
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), body,
                    r.headers().firstValue("WWW-Authenticate").orElse(""));
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + rawPath + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
