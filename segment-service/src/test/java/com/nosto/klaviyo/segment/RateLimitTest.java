package com.nosto.klaviyo.segment;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** Work a caller can trigger is limited per account (issue 21): 429 with Retry-After and a problem body beyond it. */
@QuarkusTest
class RateLimitTest {

    @Test
    void resyncBeyondItsLimitIs429WithRetryAfterAndAProblemAndOtherAccountsAreNotAffected() {
        Api api = new Api();
        for (int i = 0; i < 5; i++) {
            given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/resync", api.account).then().statusCode(202);
        }
        Response refused = given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/resync", api.account);

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.jsonPath().getInt("status")).isEqualTo(429);
        // Five permits an hour: the next one is 12 minutes away.
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(60L, 720L);
        given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/resync", new Api().account).then().statusCode(202);
    }

    @Test
    void segmentChangesAreLimitedPerAccount() {
        Api api = new Api();
        long start = System.nanoTime();
        int accepted = 0;
        Response last;
        do {
            last = given().auth().oauth2(api.token).contentType("application/json").body("{\"name\":\"Segment " + accepted + "\"}")
                    .when().put("/api/accounts/{a}/segments/{s}", api.account, "s" + (accepted % 3));
            if (last.statusCode() == 200) {
                accepted++;
            }
        } while (last.statusCode() == 200 && accepted < 500);
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(last.header("Retry-After")).isNotBlank();
        // 60 at once, then one a second (60 a minute) while the loop ran.
        assertThat(accepted).isBetween(60, 61 + (int) Math.ceil(seconds));
    }
}
