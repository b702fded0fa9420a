package com.nosto.klaviyo.segment.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SegmentResourceTest {

    private final String account = "acct-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void definesRenamesAndListsSegmentsThroughPostgres() {
        String token = Tokens.forAccounts(account);
        put(token, "whole-bean", "Category affinity: Whole_Bean");
        put(token, "whole-bean", "Category affinity: Whole Bean");
        put(token, "vip", "VIP");

        List<Map<String, Object>> listed = given().auth().oauth2(token)
                .when().get("/api/accounts/{a}/segments", account)
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().jsonPath().getList("$");

        assertThat(listed).extracting(m -> m.get("segmentId"), m -> m.get("name"))
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("vip", "VIP"),
                        org.assertj.core.groups.Tuple.tuple("whole-bean", "Category affinity: Whole Bean"));
    }

    @Test
    void blankNameIsAProblem() {
        given().auth().oauth2(Tokens.forAccounts(account)).contentType(ContentType.JSON).body("{\"name\":\" \"}")
                .when().put("/api/accounts/{a}/segments/{s}", account, "x")
                .then().statusCode(400).contentType("application/problem+json");
    }

    private void put(String token, String segmentId, String name) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", name))
                .when().put("/api/accounts/{a}/segments/{s}", account, segmentId)
                .then().statusCode(200);
    }
}
