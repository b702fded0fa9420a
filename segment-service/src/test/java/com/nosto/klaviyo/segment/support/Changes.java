package com.nosto.klaviyo.segment.support;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import java.util.List;

/** The membership changes published for one account or contact, in the order each contact's records were published. */
public final class Changes {

    private Changes() {
    }

    public static List<MembershipChange> forAccount(String accountId) {
        return Kafka.keyedWith(Topics.MEMBERSHIP_CHANGES, accountId + "|").stream().map(r -> parse(r.value())).toList();
    }

    public static List<MembershipChange> forContact(String accountId, String email) {
        String key = accountId + "|" + email;
        return Kafka.records(Topics.MEMBERSHIP_CHANGES, r -> key.equals(r.key())).stream().map(r -> parse(r.value())).toList();
    }

    public static MembershipChange parse(String json) {
        return EventJson.read(json, MembershipChange.class);
    }
}
