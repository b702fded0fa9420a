package com.nosto.klaviyo.gateway.domain;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where a key-encryption-key rotation stands: the stored Klaviyo keys per KEK id, how many still wait to be re-sealed
 * under the active KEK, how many are sealed under a KEK this replica does not have (unreadable), and which configured
 * KEKs no row uses any more (they can be removed from the Secret).
 */
public record KekStatus(String activeKeyId, List<String> configuredKeyIds, Map<String, Long> connectionsByKek, long toReencrypt,
        long unreadable, List<String> removableKeyIds, boolean complete) {

    public static KekStatus of(String activeKeyId, Set<String> configured, Map<String, Long> counts) {
        Map<String, Long> byKek = new TreeMap<>(counts);
        configured.forEach(id -> byKek.putIfAbsent(id, 0L));
        long toReencrypt = 0;
        long unreadable = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (!e.getKey().equals(activeKeyId)) {
                if (configured.contains(e.getKey())) {
                    toReencrypt += e.getValue();
                } else {
                    unreadable += e.getValue();
                }
            }
        }
        List<String> removable = configured.stream().filter(id -> !id.equals(activeKeyId) && byKek.get(id) == 0L).sorted().toList();
        return new KekStatus(activeKeyId, configured.stream().sorted().toList(), byKek, toReencrypt, unreadable, removable,
                toReencrypt == 0);
    }
}
