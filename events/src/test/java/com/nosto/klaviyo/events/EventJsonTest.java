package com.nosto.klaviyo.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.format.DateTimeFormatter;
import java.time.OffsetDateTime;
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

    /** The hand-read common form agrees with the pattern and DateTimeFormatter path on every form it takes, and leaves the rest to it. */
    @Test
    void theFastPathReadsWhatTheCarefulPathReads() {
        java.util.Random random = new java.util.Random(42);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder(String.format("%04d-%02d-%02d%s%02d:%02d:%02d", 1 + random.nextInt(9999),
                    1 + random.nextInt(12), 1 + random.nextInt(31), random.nextBoolean() ? "T" : "t", random.nextInt(24),
                    random.nextInt(60), random.nextInt(60)));
            int fraction = random.nextInt(11) - 1;
            if (fraction > 0) {
                b.append('.');
                for (int i = 0; i < fraction; i++) {
                    b.append(random.nextInt(10));
                }
            }
            int zone = random.nextInt(3);
            b.append(zone == 0 ? "Z" : zone == 1 ? "z" : String.format("%s%02d:%02d", random.nextBoolean() ? "+" : "-",
                    random.nextInt(20), random.nextInt(60)));
            String text = b.toString();
            Instant careful;
            try {
                careful = OffsetDateTime.parse(text.toUpperCase(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                careful = null;
            }
            assertThat(EventJson.StrictInstantDeserializer.parseCommon(text)).as(text).isEqualTo(careful);
        }
        for (String other : List.of("2026-11-29T08:00:00", "2026-11-29T08:00:00.Z", "2026-11-29T08:00:00.1234567890Z",
                "2026-11-29T08:00:00+0200", "2026-11-29T08:00:00+02", "2026-11-29T08:00:00ZZ", "2026-11-29 08:00:00Z",
                "2026-11-29T08:00:60Z", "2026-11-29T24:00:00Z", "2026-02-29T08:00:00Z", "2026-11-29T08:00:00+18:01",
                "2026-1a-29T08:00:00Z", "+2026-11-29T08:00:00Z", "2026-11-29T08:00:00١Z")) {
            assertThat(EventJson.StrictInstantDeserializer.parseCommon(other)).as(other).isNull();
        }
        assertThat(EventJson.StrictInstantDeserializer.parseCommon("2024-02-29T23:30:00.5-01:30"))
                .isEqualTo(Instant.parse("2024-03-01T01:00:00.5Z"));
    }
}
