package com.nosto.klaviyo.worker.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nosto.klaviyo.common.outage.InvalidRecordException;
import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.worker.support.Changes;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeParserTest {

    private static String json(MembershipChange change) {
        return EventJson.write(change);
    }

    @Test
    void validChangeParses() {
        MembershipChange change = Changes.added("acme", "Jane@Example.com", 3, "VIP");
        String json = json(change);

        MembershipChange parsed = ChangeParser.parse("acme|jane@example.com", json);

        assertThat(parsed.eventId()).isEqualTo(change.eventId());
        assertThat(parsed.segmentNamesAfter()).containsExactly("VIP");
    }

    @Test
    void notJsonIsRejectedWithReason() {
        assertThatThrownBy(() -> ChangeParser.parse("k", "{not json")).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("not a MembershipChange JSON object")
                .satisfies(e -> assertThat(((InvalidRecordException) e).errorType()).isEqualTo(ChangeParser.MALFORMED));
    }

    @Test
    void missingVersionIsRejected() {
        String json = json(Changes.added("acme", "j@e.com", 1, "VIP"))
                .replace("\"version\":1", "\"version\":0");

        assertThatThrownBy(() -> ChangeParser.parse("acme|j@e.com", json)).hasMessageContaining("version must be positive");
    }

    @Test
    void keyThatDoesNotMatchTheContactIsRejected() {
        String json = json(Changes.added("acme", "j@e.com", 1, "VIP"));

        assertThatThrownBy(() -> ChangeParser.parse("acme|other@e.com", json)).hasMessageContaining("does not match");
    }

    @Test
    void unknownSchemaVersionIsRejected() {
        String json = json(Changes.added("acme", "j@e.com", 1, "VIP"))
                .replace("\"schemaVersion\":1", "\"schemaVersion\":7");

        assertThatThrownBy(() -> ChangeParser.parse("acme|j@e.com", json)).hasMessageContaining("unsupported schemaVersion 7");
    }

    @Test
    void aFirstEnableWithoutItsEnableTimeIsRejected() {
        MembershipChange change = Changes.change(com.nosto.klaviyo.events.ChangeType.ADDED, "acme", "j@e.com", 1, List.of(),
                Changes.segments("VIP"), new ChangeCause(ChangeCause.Kind.SYNC_ENABLED, "vip", true, null));

        assertThatThrownBy(() -> ChangeParser.parse("acme|j@e.com", json(change)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessage("cause.enabledAt is missing for a first-enable change")
                .satisfies(e -> assertThat(((InvalidRecordException) e).errorType()).isEqualTo(ChangeParser.INVALID));
    }

    @Test
    void valuesLongerThanTheLedgerHoldsAreRejected() {
        String longEmail = "x".repeat(ChangeParser.MAX_EMAIL) + "@e.com";
        String longAccount = "a".repeat(ChangeParser.MAX_ACCOUNT_ID + 1);

        assertThatThrownBy(() -> ChangeParser.parse(null, json(Changes.added("acme", longEmail, 1, "VIP"))))
                .hasMessage("email is longer than 320 characters");
        assertThatThrownBy(() -> ChangeParser.parse(null, json(Changes.added(longAccount, "j@e.com", 1, "VIP"))))
                .hasMessage("accountId is longer than 64 characters");
    }
}
