package com.nosto.klaviyo.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract's Jackson setup coerces nothing (issue 21): what the JSON Schema refuses for its type or its
 * date-time form, EventJson refuses too, so Kafka consumers and the REST endpoint cannot accept it.
 */
class EventJsonTest {

    private static final String VALID = "{\"accountId\":\"acme\",\"email\":\"jane@example.com\",\"segments\":[\"vip\"],"
            + "\"observedAt\":\"2026-11-29T08:00:00Z\"}";

    private static SegmentEvent read(String json) throws JsonProcessingException {
        return EventJson.mapper().readValue(json, SegmentEvent.class);
    }

    private static boolean schemaAccepts(String json) throws Exception {
        try (InputStream in = EventJsonTest.class.getResourceAsStream("/schemas/segment-event.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build())
                    .validate(EventJson.mapper().readTree(json)).isEmpty();
        }
    }

    @Test
    void aValidEventReads() throws Exception {
        assertThat(read(VALID).observedAt()).isEqualTo(Instant.parse("2026-11-29T08:00:00Z"));
        assertThat(schemaAccepts(VALID)).isTrue();
    }

    @Test
    void numbersAndBooleansAreNotStrings() throws Exception {
        for (String bad : List.of(
                VALID.replace("\"acme\"", "42"),
                VALID.replace("\"jane@example.com\"", "true"),
                VALID.replace("[\"vip\"]", "[1, 2]"),
                VALID.replace("[\"vip\"]", "[1.5]"),
                VALID.replace("\"2026-11-29T08:00:00Z\"", "1764403200"),
                VALID.replace("\"2026-11-29T08:00:00Z\"", "1764403200.5"))) {
            assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(JsonProcessingException.class);
            assertThat(schemaAccepts(bad)).as(bad).isFalse();
        }
    }

    @Test
    void aStringIsNotABoolean() throws Exception {
        String bad = "{\"accountId\":\"acme\",\"email\":\"jane@example.com\",\"deleted\":\"true\",\"observedAt\":\"2026-11-29T08:00:00Z\"}";
        assertThatThrownBy(() -> read(bad)).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> read(bad.replace("\"true\"", "1"))).isInstanceOf(JsonProcessingException.class);
        assertThat(schemaAccepts(bad)).isFalse();
    }

    @Test
    void onlyRfc3339DateTimesOfTheYears1To9999AreInstants() throws Exception {
        for (String at : List.of("1764403200", "0000-12-31T23:59:59Z", "-0001-01-01T00:00:00Z", "+10000-01-01T00:00:00Z",
                "2026-11-29T08:00:00", "2026-11-29", "2026-11-29 08:00:00Z", "2026-02-30T08:00:00Z", "yesterday", "")) {
            String bad = VALID.replace("2026-11-29T08:00:00Z", at);
            assertThatThrownBy(() -> read(bad)).as(at).isInstanceOf(JsonProcessingException.class);
            assertThat(schemaAccepts(bad)).as(at).isFalse();
        }
    }

    @Test
    void offsetsAndFractionsAreRead() throws Exception {
        assertThat(read(VALID.replace("2026-11-29T08:00:00Z", "2026-11-29T10:00:00.123+02:00")).observedAt())
                .isEqualTo(Instant.parse("2026-11-29T08:00:00.123Z"));
        assertThat(read(VALID.replace("2026-11-29T08:00:00Z", "0001-01-01T00:00:00Z")).observedAt())
                .isEqualTo(Instant.parse("0001-01-01T00:00:00Z"));
        assertThat(read(VALID.replace("2026-11-29T08:00:00Z", "9999-12-31T23:59:59.999999999Z")).observedAt())
                .isEqualTo(Instant.parse("9999-12-31T23:59:59.999999999Z"));
    }

    @Test
    void whatTheServicesWriteReadsBack() throws Exception {
        MembershipChange change = new MembershipChange(MembershipChange.SCHEMA_VERSION, java.util.UUID.randomUUID(),
                ChangeType.ADDED, "acme", "jane@example.com", 1, List.of(), List.of(new SegmentRef("vip", "VIP")), "VIP",
                ChangeCause.firstEnable("vip", Instant.parse("2026-11-29T08:00:00.5Z")), Instant.now());
        assertThat(EventJson.mapper().readValue(EventJson.mapper().writeValueAsString(change), MembershipChange.class))
                .isEqualTo(change);
    }
}
