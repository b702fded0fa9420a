package com.nosto.klaviyo.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The published JSON Schemas (draft 2020-12) and the Java records agree: what the code serializes
 * validates, and what the contract forbids is rejected by the schema.
 */
class EventSchemasTest {

    private static final Instant T = Instant.parse("2026-11-29T08:00:00Z");

    private static JsonSchema schema(String name) {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        // Formats (date-time, uuid) are annotations only in 2020-12 unless asserted explicitly.
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        try (InputStream in = EventSchemasTest.class.getResourceAsStream("/schemas/" + name)) {
            assertThat(in).as("schema %s on the classpath", name).isNotNull();
            return factory.getSchema(in, config);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<ValidationMessage> validate(String schemaName, Object value) {
        JsonNode json = EventJson.mapper().valueToTree(value);
        return schema(schemaName).validate(json);
    }

    private static Set<ValidationMessage> validateJson(String schemaName, String json) throws IOException {
        return schema(schemaName).validate(EventJson.mapper().readTree(json));
    }

    @Test
    void fullSetEventValidates() {
        assertThat(validate("segment-event.schema.json",
                SegmentEvent.fullSet("acme", "Jane@Example.com", List.of("whole-bean", "vip"), T))).isEmpty();
    }

    @Test
    void deltaEventValidates() {
        assertThat(validate("segment-event.schema.json",
                SegmentEvent.delta("acme", "jane@example.com", List.of("vip"), List.of("lapsed"), T))).isEmpty();
    }

    @Test
    void deletionEventValidates() {
        assertThat(validate("segment-event.schema.json", SegmentEvent.deletion("acme", "jane@example.com", T))).isEmpty();
    }

    @Test
    void eventClaimingTwoFormsIsRejected() {
        SegmentEvent both = new SegmentEvent("acme", "jane@example.com", List.of("vip"), List.of("x"), null, null, T);
        assertThat(validate("segment-event.schema.json", both)).isNotEmpty();
    }

    @Test
    void eventWithoutObservedAtIsRejected() throws IOException {
        assertThat(validateJson("segment-event.schema.json",
                "{\"accountId\":\"acme\",\"email\":\"jane@example.com\",\"segments\":[]}")).isNotEmpty();
    }

    @Test
    void eventWithWrongTypesIsRejected() throws IOException {
        assertThat(validateJson("segment-event.schema.json",
                "{\"accountId\":\"acme\",\"email\":\"jane@example.com\",\"segments\":\"vip\",\"observedAt\":\"yesterday\"}"))
                .isNotEmpty();
    }

    @Test
    void aPublishersEventIdIsOptionalAndKeptThroughJson() throws IOException {
        String withId = "{\"accountId\":\"acme\",\"email\":\"jane@example.com\",\"entered\":[\"vip\"],"
                + "\"observedAt\":\"2026-11-29T08:05:00Z\",\"eventId\":\"crm-7f3a-0001\"}";
        assertThat(validateJson("segment-event.schema.json", withId)).isEmpty();
        assertThat(EventJson.read(withId, SegmentEvent.class).eventId()).isEqualTo("crm-7f3a-0001");
        assertThat(EventJson.write(SegmentEvent.deletion("acme", "jane@example.com", T))).doesNotContain("eventId");
        assertThat(validateJson("segment-event.schema.json", withId.replace("crm-7f3a-0001", "has space"))).isNotEmpty();
        assertThat(validateJson("segment-event.schema.json", withId.replace("\"crm-7f3a-0001\"", "42"))).isNotEmpty();
    }

    @Test
    void deletedFalseIsNotADeletion() throws IOException {
        assertThat(validateJson("segment-event.schema.json",
                "{\"accountId\":\"acme\",\"email\":\"jane@example.com\",\"deleted\":false,\"observedAt\":\"2026-11-29T08:00:00Z\"}"))
                .isNotEmpty();
    }

    @Test
    void addedChangeValidates() {
        MembershipChange added = new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(), ChangeType.ADDED,
                "acme", "jane@example.com", 1, List.of(), List.of(new SegmentRef("vip", "VIP")), "VIP",
                ChangeCause.firstEnable("vip", T), T);
        assertThat(validate("membership-change.schema.json", added)).isEmpty();
    }

    @Test
    void deletedChangeValidates() {
        MembershipChange deleted = new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(), ChangeType.DELETED,
                "acme", "jane@example.com", 7, List.of(new SegmentRef("vip", "VIP")), List.of(), null,
                ChangeCause.of(ChangeCause.Kind.DELETION, null), T);
        assertThat(validate("membership-change.schema.json", deleted)).isEmpty();
    }

    @Test
    void removedChangeStillListingSegmentsIsRejected() {
        MembershipChange inconsistent = new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(),
                ChangeType.REMOVED, "acme", "jane@example.com", 2, List.of(), List.of(new SegmentRef("vip", "VIP")), "VIP",
                ChangeCause.membership(), T);
        assertThat(validate("membership-change.schema.json", inconsistent)).isNotEmpty();
    }

    @Test
    void changeWithoutEventIdIsRejected() {
        ObjectNode json = EventJson.mapper().valueToTree(new MembershipChange(MembershipChange.SCHEMA_VERSION,
                UUID.randomUUID(), ChangeType.MOVED, "acme", "jane@example.com", 3, List.of(new SegmentRef("a", "A")),
                List.of(new SegmentRef("b", "B")), "B", ChangeCause.of(ChangeCause.Kind.RENAME, "b"), T));
        json.remove("eventId");
        assertThat(schema("membership-change.schema.json").validate(json)).isNotEmpty();
    }

    @Test
    void syncBatchValidates() {
        SyncBatch batch = SyncBatch.contacts("acme/w1/0/0", "acme", "acme/REGULAR/2026-11-29T12:00:00Z",
                WindowKind.REGULAR, 0, T, T, List.of(
                        new ContactState("jane@example.com", true, "VIP", List.of("Whole bean", "VIP"), 4, ChangeType.MOVED),
                        new ContactState("joe@example.com", false, null, List.of(), 2, ChangeType.REMOVED)), 0);
        assertThat(validate("sync-batch.schema.json", batch)).isEmpty();
    }

    @Test
    void endMarkerValidatesAndSaysItEndsItsPartition() {
        SyncBatch marker = new SyncBatch(SyncBatch.SCHEMA_VERSION, "acme/w1/3/7", "acme", "acme/REGULAR/2026-11-29T12:00:00Z",
                WindowKind.REGULAR, 7, T, T, List.of(), 3, true, 6);
        assertThat(validate("sync-batch.schema.json", marker)).isEmpty();
        assertThat(marker.endsPartition()).isTrue();
        SyncBatch legacy = new SyncBatch(SyncBatch.SCHEMA_VERSION, "acme/w1/3/0", "acme", "acme/REGULAR/2026-11-29T12:00:00Z",
                WindowKind.REGULAR, 0, T, T, List.of(), null, false, null);
        assertThat(legacy.endsPartition()).isFalse();
        // Out of the schema's range: never counted as a marker, even when it was not validated.
        assertThat(new SyncBatch(SyncBatch.SCHEMA_VERSION, "acme/w1/3/7", "acme", "acme/REGULAR/2026-11-29T12:00:00Z",
                WindowKind.REGULAR, 7, T, T, List.of(), 3, true, 0).endsPartition()).isFalse();
        assertThat(new SyncBatch(SyncBatch.SCHEMA_VERSION, "acme/w1/3/7", "acme", "acme/REGULAR/2026-11-29T12:00:00Z",
                WindowKind.REGULAR, 7, T, T, List.of(), -1, true, 6).endsPartition()).isFalse();
        assertThat(EventJson.mapper().valueToTree(legacy).has("windowPartitions")).isFalse();
    }

    @Test
    void lastBatchWithoutPartitionCountIsRejected() {
        ObjectNode json = EventJson.mapper().valueToTree(new SyncBatch(SyncBatch.SCHEMA_VERSION, "acme/w1/3/7", "acme",
                "acme/REGULAR/2026-11-29T12:00:00Z", WindowKind.REGULAR, 7, T, T, List.of(), 3, true, 6));
        json.remove("windowPartitions");
        assertThat(schema("sync-batch.schema.json").validate(json)).isNotEmpty();
        ObjectNode notLast = EventJson.mapper().valueToTree(new SyncBatch(SyncBatch.SCHEMA_VERSION, "acme/w1/3/6", "acme",
                "acme/REGULAR/2026-11-29T12:00:00Z", WindowKind.REGULAR, 6, T, T, List.of(), 3, false, null));
        notLast.put("windowPartitions", 6);
        assertThat(schema("sync-batch.schema.json").validate(notLast)).isNotEmpty();
    }

    @Test
    void firstEnableCauseCarriesTheEnableTime() throws IOException {
        MembershipChange added = new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(), ChangeType.ADDED,
                "acme", "jane@example.com", 1, List.of(), List.of(new SegmentRef("vip", "VIP")), "VIP",
                ChangeCause.firstEnable("vip", T), T.plusSeconds(90));
        String json = EventJson.mapper().writeValueAsString(added);
        assertThat(EventJson.mapper().readValue(json, MembershipChange.class).cause().enabledAt()).isEqualTo(T);
        assertThat(EventJson.mapper().valueToTree(ChangeCause.membership()).has("enabledAt")).isFalse();
    }

    @Test
    void deadLetterValidates() {
        DeadLetter letter = DeadLetter.of("segment-service", Topics.SEGMENT_EVENTS, 3, 42L,
                "acme|jane@example.com", "{not json", "MALFORMED_JSON", "Malformed JSON: Unexpected character", T);
        assertThat(validate("dead-letter.schema.json", letter)).isEmpty();
        assertThat(letter.payloadTruncated()).isFalse();
        assertThat(letter.payloadBytes()).isEqualTo(9);
    }

    @Test
    void anOversizedRecordsDeadLetterIsCutToFitAndKeepsTheOriginalsSizeAndHash() {
        // 1.5 MB of text with a multi-byte character across the cut: the letter must fit and stay valid UTF-8.
        String huge = "{\"email\":\"" + "é".repeat(750_000) + "@example.com\"}";
        String key = "acme|" + "x".repeat(1_500_000);
        DeadLetter letter = DeadLetter.of("segment-service", Topics.SEGMENT_EVENTS, 0, 7L, key, huge, "INVALID_EVENT",
                "/email: too long", T);
        assertThat(letter.payloadTruncated()).isTrue();
        assertThat(letter.payload().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(DeadLetter.MAX_PAYLOAD_BYTES).isGreaterThan(DeadLetter.MAX_PAYLOAD_BYTES - 4);
        assertThat(huge).startsWith(letter.payload());
        assertThat(letter.payloadBytes()).isEqualTo(huge.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(letter.payloadSha256()).hasSize(64);
        assertThat(letter.key()).hasSizeLessThanOrEqualTo(DeadLetter.MAX_KEY_CHARS).startsWith("acme|xxx").contains("#sha256:");
        assertThat(EventJson.write(letter).length()).isLessThan(100 * 1024);
        assertThat(validate("dead-letter.schema.json", letter)).isEmpty();
    }

    @Test
    void deadLetterWithoutReasonIsRejected() {
        DeadLetter letter = DeadLetter.of("segment-service", Topics.SEGMENT_EVENTS, null, null, null, "{}", "INVALID_EVENT",
                null, T);
        assertThat(validate("dead-letter.schema.json", letter)).isNotEmpty();
    }

    @Test
    void documentedSampleEventsValidate() throws IOException {
        for (String sample : List.of(
                "{\"accountId\":\"acme\",\"email\":\"Jane@Example.com\",\"segments\":[\"whole-bean\",\"vip\"],\"observedAt\":\"2026-11-29T08:00:00Z\"}",
                "{\"accountId\":\"acme\",\"email\":\"jane@example.com\",\"entered\":[\"vip\"],\"exited\":[\"lapsed\"],\"observedAt\":\"2026-11-29T08:05:00Z\"}",
                "{\"accountId\":\"acme\",\"email\":\"jane@example.com\",\"deleted\":true,\"observedAt\":\"2026-11-29T09:00:00Z\"}")) {
            assertThat(validateJson("segment-event.schema.json", sample)).as(sample).isEmpty();
            assertThat(EventJson.mapper().readValue(sample, SegmentEvent.class).form()).as(sample).isNotNull();
        }
    }
}
