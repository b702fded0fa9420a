package com.nosto.klaviyo.segment.support;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.arc.Arc;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
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
        syncAnswer(segmentId, enabled);
    }

    /** Switches sync and returns the segment as the answer shows it. */
    public Map<String, Object> syncAnswer(String segmentId, boolean enabled) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("enabled", enabled))
                .when().put("/api/accounts/{a}/segments/{s}/sync", account, segmentId)
                .then().statusCode(200).extract().jsonPath().getMap("$");
    }

    /** The segment as {@code GET …/segments} lists it. */
    public Map<String, Object> listed(String segmentId) {
        List<Map<String, Object>> all = given().auth().oauth2(token).when().get("/api/accounts/{a}/segments", account)
                .then().statusCode(200).extract().jsonPath().getList("$");
        return all.stream().filter(s -> segmentId.equals(s.get("segmentId"))).findFirst().orElseThrow();
    }

    /**
     * Defines the segment and switches its sync on, and returns once its first enable's fan-out is done: a member's
     * later event is then an ordinary membership change, not part of the first enable.
     */
    public void syncedSegment(String segmentId, String name) {
        defineSegment(segmentId, name);
        sync(segmentId, true);
        Pool pool = Arc.container().instance(Pool.class).get();
        await("the first enable's fan-out of " + segmentId).atMost(Duration.ofSeconds(60)).until(() -> pool
                .preparedQuery("select count(*) from segment_service.fanout_job where account_id = $1").execute(Tuple.of(account))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0) == 0);
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
