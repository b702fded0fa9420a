package com.nosto.klaviyo.segment.rest;

import static io.restassured.RestAssured.given;

import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** G12: /api needs a valid token, and a token acts only for its own accounts (sre for all). */
@QuarkusTest
class ApiSecurityTest {

    @Test
    void noTokenIs401() {
        given().when().get("/api/accounts/acme/segments").then().statusCode(401);
    }

    @Test
    void garbageTokenIs401() {
        given().auth().oauth2("not-a-jwt").when().get("/api/accounts/acme/segments").then().statusCode(401);
    }

    @Test
    void anotherAccountsPathIs403WithProblem() {
        given().auth().oauth2(Tokens.forAccounts("acme"))
                .when().get("/api/accounts/globex/segments")
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void ownAccountIsAllowed() {
        given().auth().oauth2(Tokens.forAccounts("acme")).when().get("/api/accounts/acme/segments").then().statusCode(200);
    }

    @Test
    void sreMayActForAnyAccount() {
        given().auth().oauth2(Tokens.sre()).when().get("/api/accounts/globex/segments").then().statusCode(200);
    }
}
