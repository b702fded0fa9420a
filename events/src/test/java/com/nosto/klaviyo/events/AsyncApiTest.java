package com.nosto.klaviyo.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The AsyncAPI description publishers read (events/src/main/resources/asyncapi.yaml) agrees with the contract: its
 * channels are the default topics, every message's payload names a schema that exists, and every example validates.
 */
class AsyncApiTest {

    private static JsonNode asyncApi() throws IOException {
        try (InputStream in = AsyncApiTest.class.getResourceAsStream("/asyncapi.yaml")) {
            assertThat(in).as("asyncapi.yaml on the classpath").isNotNull();
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        }
    }

    @Test
    void channelsAreTheContractsTopics() throws IOException {
        List<String> addresses = new ArrayList<>();
        asyncApi().path("channels").forEach(c -> addresses.add(c.path("address").asText()));
        assertThat(addresses).containsExactlyInAnyOrder(Topics.SEGMENT_EVENTS, Topics.SEGMENT_EVENTS_DLQ,
                Topics.MEMBERSHIP_CHANGES, Topics.MEMBERSHIP_CHANGES_DLQ, Topics.SYNC_BATCHES, Topics.SYNC_BATCHES_DLQ);
    }

    @Test
    void everyMessageNamesASchemaThatExistsAndEveryExampleValidatesAgainstIt() throws IOException {
        JsonNode messages = asyncApi().path("components").path("messages");
        assertThat(messages.size()).isEqualTo(4);
        int examples = 0;
        for (JsonNode message : messages) {
            String ref = message.path("payload").path("schema").path("$ref").asText();
            assertThat(ref).startsWith("schemas/");
            try (InputStream schema = AsyncApiTest.class.getResourceAsStream("/" + ref)) {
                assertThat(schema).as(ref).isNotNull();
                var validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                        .getSchema(schema, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
                for (JsonNode example : message.path("examples")) {
                    Set<?> errors = validator.validate(example.path("payload"));
                    assertThat(errors).as("%s example %s", ref, example.path("name").asText()).isEmpty();
                    examples++;
                }
            }
        }
        assertThat(examples).as("the segment event's three forms").isGreaterThanOrEqualTo(3);
    }

    @Test
    void everyOperationPointsAtADeclaredChannel() throws IOException {
        JsonNode doc = asyncApi();
        doc.path("operations").forEach(op -> {
            String ref = op.path("channel").path("$ref").asText();
            assertThat(ref).startsWith("#/channels/");
            assertThat(doc.path("channels").has(ref.substring("#/channels/".length()))).as(ref).isTrue();
        });
    }
}
