package com.nosto.klaviyo.segment.support;

import static io.restassured.RestAssured.given;

import com.nosto.klaviyo.testsupport.Tokens;
import io.restassured.http.ContentType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** REST calls the integration tests repeat, for one fresh account each. */
public final class Api {

    public final String account;
    public final String token;

    public Api() {
        this.account = "t-" + UUID.randomUUID().toString().substring(0, 12);
        this.token = Tokens.forAccounts(account);
    }

    public void defineSegment(String segmentId, String name) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", name))
                .when().put("/api/accounts/{a}/segments/{s}", account, segmentId)
                .then().statusCode(200);
    }

    public void sync(String segmentId, boolean enabled) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("enabled", enabled))
                .when().put("/api/accounts/{a}/segments/{s}/sync", account, segmentId)
                .then().statusCode(200);
    }

    public void syncedSegment(String segmentId, String name) {
        defineSegment(segmentId, name);
        sync(segmentId, true);
    }

    /** Posts events (maps) and expects all of them accepted. */
    @SafeVarargs
    public final void post(Map<String, Object>... events) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(List.of(events))
                .when().post("/api/accounts/{a}/segment-events", account)
                .then().statusCode(202);
    }

    public Map<String, Object> fullSet(String email, Instant at, String... segments) {
        return Map.of("accountId", account, "email", email, "segments", List.of(segments), "observedAt", at.toString());
    }

    public Map<String, Object> delta(String email, Instant at, List<String> entered, List<String> exited) {
        return Map.of("accountId", account, "email", email, "entered", entered, "exited", exited, "observedAt", at.toString());
    }

    public Map<String, Object> deletion(String email, Instant at) {
        return Map.of("accountId", account, "email", email, "deleted", true, "observedAt", at.toString());
    }
}
