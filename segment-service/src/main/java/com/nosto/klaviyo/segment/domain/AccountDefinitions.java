package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ChangeCause;
import java.util.Map;

/**
 * What an event needs to know of its account, read once per transaction under the account's definitions lock: its
 * segment definitions by id, and its first enables still fanning out (segment id → the cause their changes carry, see
 * {@link MembershipCause}).
 */
public record AccountDefinitions(Map<String, SyncedView.Definition> segments, Map<String, ChangeCause> firstEnables) {
}
