package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.SegmentRef;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.events.WindowKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every topic's record, every property of its JSON Schema, every JSON type the schema does not allow there
 * ({@link SchemaCases}): the schema refuses it, and so does {@link EventJson}, which every consumer reads with.
 * Nothing the contract calls a wrong type is coerced into a value on any topic.
 */
class ContractStrictnessTest {

    private static final Instant T = Instant.parse("2026-11-29T08:00:00Z");

    private record Contract(String schema, Class<?> type, Object sample) {
    }

    private static final List<Contract> CONTRACTS = List.of(
            new Contract("schemas/segment-event.schema.json", SegmentEvent.class,
                    SegmentEvent.fullSet("acme", "jane@example.com", List.of("vip"), T)),
            new Contract("schemas/segment-event.schema.json", SegmentEvent.class,
                    SegmentEvent.delta("acme", "jane@example.com", List.of("vip"), List.of("lapsed"), T)),
            new Contract("schemas/segment-event.schema.json", SegmentEvent.class,
                    SegmentEvent.deletion("acme", "jane@example.com", T)),
            new Contract("schemas/membership-change.schema.json", MembershipChange.class,
                    new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(), ChangeType.MOVED, "acme",
                            "jane@example.com", 3, List.of(new SegmentRef("a", "A")), List.of(new SegmentRef("b", "B")), "B",
                            ChangeCause.firstEnable("b", T), T)),
            new Contract("schemas/sync-batch.schema.json", SyncBatch.class,
                    new SyncBatch(SyncBatch.SCHEMA_VERSION, "acme/w1/3/7", "acme", "acme/REGULAR/2026-11-29T12:00:00Z",
                            WindowKind.REGULAR, 7, T, T, List.of(new ContactState("jane@example.com", true, "VIP",
                                    List.of("VIP"), 4, ChangeType.MOVED)), 3, true, 6)),
            new Contract("schemas/dead-letter.schema.json", DeadLetter.class,
                    DeadLetter.of("segment-service", Topics.SEGMENT_EVENTS, 3, 42L,
                            "acme|jane@example.com", "{not json", "MALFORMED_JSON", "Malformed JSON", T)));

    private static JsonSchema schema(String resource) {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                SchemaCases.schema(resource), SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }

    @Test
    void wrongTypesFromTheSchemasAreRefusedByTheSchemaAndByEventJson() {
        List<String> accepted = new ArrayList<>();
        int cases = 0;
        for (Contract c : CONTRACTS) {
            JsonNode valid = EventJson.mapper().valueToTree(c.sample());
            JsonSchema schema = schema(c.schema());
            assertThat(schema.validate(valid)).as("the valid sample of %s", c.schema()).isEmpty();
            for (SchemaCases.Case bad : SchemaCases.wrongTypes(SchemaCases.schema(c.schema()), valid)) {
                cases++;
                if (schema.validate(bad.document()).isEmpty()) {
                    accepted.add(c.schema() + " " + bad + ": the schema");
                }
                try {
                    EventJson.mapper().treeToValue(bad.document(), c.type());
                    accepted.add(c.schema() + " " + bad + ": EventJson read it as " + c.type().getSimpleName());
                } catch (Exception refused) {
                    // expected: a wrong type is never coerced
                }
            }
        }
        assertThat(cases).as("cases generated from the schemas").isGreaterThan(100);
        assertThat(accepted).as("wrong-typed values that were accepted").isEmpty();
    }
}
