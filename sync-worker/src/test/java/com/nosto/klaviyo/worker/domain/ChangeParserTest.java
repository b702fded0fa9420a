package com.nosto.klaviyo.worker.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.worker.support.Changes;
import org.junit.jupiter.api.Test;

class ChangeParserTest {

    @Test
    void validChangeParses() throws Exception {
        MembershipChange change = Changes.added("acme", "Jane@Example.com", 3, "VIP");
        String json = EventJson.mapper().writeValueAsString(change);

        MembershipChange parsed = ChangeParser.parse("acme|jane@example.com", json);

        assertThat(parsed.eventId()).isEqualTo(change.eventId());
        assertThat(parsed.segmentNamesAfter()).containsExactly("VIP");
    }

    @Test
    void notJsonIsRejectedWithReason() {
        assertThatThrownBy(() -> ChangeParser.parse("k", "{not json")).isInstanceOf(InvalidChangeException.class)
                .hasMessageContaining("not a MembershipChange JSON object");
    }

    @Test
    void missingVersionIsRejected() throws Exception {
        String json = EventJson.mapper().writeValueAsString(Changes.added("acme", "j@e.com", 1, "VIP"))
                .replace("\"version\":1", "\"version\":0");

        assertThatThrownBy(() -> ChangeParser.parse("acme|j@e.com", json)).hasMessageContaining("version must be positive");
    }

    @Test
    void keyThatDoesNotMatchTheContactIsRejected() throws Exception {
        String json = EventJson.mapper().writeValueAsString(Changes.added("acme", "j@e.com", 1, "VIP"));

        assertThatThrownBy(() -> ChangeParser.parse("acme|other@e.com", json)).hasMessageContaining("does not match");
    }

    @Test
    void unknownSchemaVersionIsRejected() throws Exception {
        String json = EventJson.mapper().writeValueAsString(Changes.added("acme", "j@e.com", 1, "VIP"))
                .replace("\"schemaVersion\":1", "\"schemaVersion\":7");

        assertThatThrownBy(() -> ChangeParser.parse("acme|j@e.com", json)).hasMessageContaining("unsupported schemaVersion 7");
    }
}
