package com.nosto.klaviyo.segment.support;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import java.io.UncheckedIOException;
import java.util.List;

/** The membership changes published for one account, in the order each contact's records were published. */
public final class Changes {

    private Changes() {
    }

    public static List<MembershipChange> forAccount(String accountId) {
        String prefix = accountId + "|";
        return TopicTail.of(Topics.MEMBERSHIP_CHANGES).matching(r -> r.key() != null && r.key().startsWith(prefix)).stream()
                .map(r -> parse(r.value())).toList();
    }

    public static List<MembershipChange> forContact(String accountId, String email) {
        String key = accountId + "|" + email;
        return TopicTail.of(Topics.MEMBERSHIP_CHANGES).matching(r -> key.equals(r.key())).stream()
                .map(r -> parse(r.value())).toList();
    }

    public static MembershipChange parse(String json) {
        try {
            return EventJson.mapper().readValue(json, MembershipChange.class);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
