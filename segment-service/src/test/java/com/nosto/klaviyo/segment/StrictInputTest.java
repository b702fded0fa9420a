package com.nosto.klaviyo.segment;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.Kafka;
import com.nosto.klaviyo.testsupport.SchemaCases;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Strict input (issue 21, G11): what the contract does not allow is refused, by index over REST and as a dead
 * letter over Kafka, never coerced; the bad cases are generated from the JSON Schema where they can be. A valid
 * item that cannot be stored fails alone. Every refusal has a problem body, and the body size is bounded.
 */
@QuarkusTest
class StrictInputTest {

    private static final String SCHEMA = "schemas/segment-event.schema.json";
    private static final Instant T = Instant.parse("2026-11-29T08:00:00Z");

    @Inject
    Pool pool;

    private final Api api = new Api();

    /** Wrong-typed variants of each of the three forms (a full set, a delta, a deletion) from the schema. */
    private List<SchemaCases.Case> schemaCases() {
        JsonNode schema = SchemaCases.schema(SCHEMA);
        List<SchemaCases.Case> cases = new ArrayList<>();
        for (SegmentEvent valid : List.of(SegmentEvent.fullSet(api.account, "jane@example.com", List.of("vip"), T),
                SegmentEvent.delta(api.account, "jane@example.com", List.of("vip"), List.of("lapsed"), T),
                SegmentEvent.deletion(api.account, "jane@example.com", T))) {
            cases.addAll(SchemaCases.wrongTypes(schema, EventJson.mapper().valueToTree(valid)));
        }
        return cases;
    }

    private JsonPath post(Object body, int status) {
        return given().auth().oauth2(api.token).contentType(ContentType.JSON).body(body)
                .when().post("/api/accounts/{a}/segment-events", api.account)
                .then().statusCode(status).contentType("application/problem+json").extract().jsonPath();
    }

    @Test
    void wrongTypesFromTheSchemaAreRefusedByIndexOverRestAndTheValidItemIsApplied() {
        List<SchemaCases.Case> cases = schemaCases();
        api.syncedSegment("vip", "VIP");
        ArrayNode body = EventJson.mapper().createArrayNode();
        cases.forEach(c -> body.add(c.document()));
        body.add(EventJson.mapper().valueToTree(SegmentEvent.fullSet(api.account, "valid@example.com", List.of("vip"), T)));

        JsonPath problem = post(body.toString(), 422);

        assertThat(problem.getInt("accepted")).isEqualTo(1);
        assertThat(problem.getInt("rejected")).isEqualTo(cases.size());
        List<Map<String, Object>> errors = problem.getList("errors");
        for (int i = 0; i < cases.size(); i++) {
            assertThat(errors.get(i)).as("case %d: %s", i, cases.get(i)).containsEntry("index", i)
                    .containsEntry("pointer", "/" + i + cases.get(i).pointer());
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Changes.forContact(api.account, "valid@example.com")).hasSize(1));
    }

    @Test
    void valuesOfTheRightTypeButOutsideTheContractAreRefused() {
        ObjectNode valid = EventJson.mapper().valueToTree(SegmentEvent.fullSet(api.account, "jane@example.com", List.of("vip"), T));
        List<JsonNode> bad = List.of(
                valid.deepCopy().put("observedAt", "1764403200"),              // epoch seconds in a string
                valid.deepCopy().put("observedAt", "0000-06-01T00:00:00Z"),    // year 0
                valid.deepCopy().put("observedAt", "-0001-06-01T00:00:00Z"),   // year -1
                valid.deepCopy().put("observedAt", "+10000-01-01T00:00:00Z"),  // year 10000
                valid.deepCopy().put("email", "a@[127.0.0.1]"),                // address literal
                valid.deepCopy().put("accountId", 7),                          // a number for the account
                EventJson.mapper().valueToTree(SegmentEvent.delta(api.account, "jane@example.com", List.of(), List.of(), T)),
                EventJson.mapper().valueToTree(SegmentEvent.delta(api.account, "jane@example.com", List.of(), null, T)));

        JsonPath problem = post(bad, 400);

        assertThat(problem.getInt("accepted")).isZero();
        assertThat(problem.getList("errors.index", Integer.class)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(problem.getList("errors.field", String.class)).startsWith("observedAt", "observedAt", "observedAt",
                "observedAt", "email", "accountId");
    }

    @Test
    void anItemThatCannotBeStoredFailsAloneAndTheItemsBesideItAreApplied() {
        // A row PostgreSQL refuses as data (SQLSTATE 22000), whatever the service validated: the contact insert
        // raises for these addresses.
        pool.query("""
                create or replace function segment_service.refuse_unstorable() returns trigger language plpgsql as $$
                begin
                  if new.email like 'unstorable-%' then
                    raise exception 'test: this row cannot be stored' using errcode = '22000';
                  end if;
                  return new;
                end $$""").execute().await().atMost(Duration.ofSeconds(10));
        pool.query("drop trigger if exists refuse_unstorable on segment_service.contact").execute().await()
                .atMost(Duration.ofSeconds(10));
        pool.query("create trigger refuse_unstorable before insert or update on segment_service.contact for each row"
                + " execute function segment_service.refuse_unstorable()").execute().await().atMost(Duration.ofSeconds(10));
        api.syncedSegment("vip", "VIP");

        JsonPath problem = post(List.of(api.fullSet("before@example.com", T, "vip"), api.fullSet("unstorable-1@example.com", T, "vip"),
                api.fullSet("after@example.com", T, "vip")), 422);

        assertThat(problem.getInt("accepted")).isEqualTo(2);
        assertThat(problem.getList("errors.index", Integer.class)).containsExactly(1);
        assertThat(problem.getString("errors[0].reason")).contains("could not be stored");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(Changes.forContact(api.account, "before@example.com")).hasSize(1);
            assertThat(Changes.forContact(api.account, "after@example.com")).hasSize(1);
        });

        JsonPath alone = post(List.of(api.fullSet("unstorable-2@example.com", T, "vip")), 400);
        assertThat(alone.getInt("accepted")).isZero();
        assertThat(alone.getString("errors[0].reason")).contains("could not be stored");
    }

    @Test
    void aBodyOverTheLimitIs413WithAProblem() throws Exception {
        // The declared length is enough: the answer comes before any of the body is read (a raw request, so no
        // client library sends or withholds the body on its own).
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /api/accounts/" + api.account + "/segment-events HTTP/1.1\r\n"
                    + "Host: localhost\r\nAuthorization: Bearer " + api.token + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (5 * 1024 * 1024) + "\r\n\r\n[").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("content-type: application/problem+json");
            assertThat(JsonPath.from(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getInt("status")).isEqualTo(413);
        }
    }

    @Test
    void unknownPathsAndMethodsAnswerAProblem() {
        given().auth().oauth2(api.token).when().get("/api/accounts/{a}/no-such-thing", api.account)
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(api.token).when().delete("/api/accounts/{a}/segments", api.account)
                .then().statusCode(405).contentType("application/problem+json");
        given().auth().oauth2(api.token).contentType(ContentType.JSON).body("{\"name\":12}")
                .when().put("/api/accounts/{a}/segments/{s}", api.account, "vip")
                .then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(api.token).contentType(ContentType.JSON).body("{\"enabled\":\"true\"}")
                .when().put("/api/accounts/{a}/segments/{s}/sync", api.account, "vip")
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void wrongTypesFromTheSchemaAreDeadLetteredOverKafkaAndTheRecordsAfterThemApplied() throws Exception {
        List<SchemaCases.Case> cases = schemaCases();
        api.syncedSegment("vip", "VIP");
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            records.add(new ProducerRecord<>(Topics.SEGMENT_EVENTS, api.account + "|case-" + i, cases.get(i).document().toString()));
        }
        records.add(new ProducerRecord<>(Topics.SEGMENT_EVENTS, api.account + "|after@example.com",
                EventJson.mapper().writeValueAsString(SegmentEvent.fullSet(api.account, "after@example.com", List.of("vip"), T))));
        Kafka.send(records);

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(Kafka.keyedWith(Topics.SEGMENT_EVENTS_DLQ, api.account + "|case-")).hasSize(cases.size()));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Changes.forContact(api.account, "after@example.com")).hasSize(1));
    }
}
