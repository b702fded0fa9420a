package com.nosto.klaviyo.e2e.harness;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.SegmentEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The expected Klaviyo state of one account, computed from nothing but what a test sent: segment
 * definitions, sync switches and segment events. The end-to-end tests compare the emulator with it
 * contact by contact (G2, G3, G7).
 *
 * <p>Rules, straight from the brief: a contact is listed iff it belongs to at least one synced segment;
 * {@code nosto_segments} holds the names of its synced segments; {@code nosto_segment} the name of the
 * synced segment it entered most recently; deleted or segment-less contacts carry neither.
 */
public final class KlaviyoModel {

    /** What Klaviyo should show for one email. */
    public record Expected(boolean inList, String nostoSegment, Set<String> nostoSegments) {
        public static final Expected ABSENT = new Expected(false, null, Set.of());
    }

    private final Map<String, String> names = new HashMap<>();
    private final Set<String> synced = new LinkedHashSet<>();
    /** email → segment id → entry sequence (higher entered later). */
    private final Map<String, LinkedHashMap<String, Long>> membership = new TreeMap<>();
    private long sequence;

    public KlaviyoModel segment(String id, String name) {
        names.put(id, name);
        return this;
    }

    public KlaviyoModel sync(String id, boolean enabled) {
        if (enabled) {
            synced.add(id);
        } else {
            synced.remove(id);
        }
        return this;
    }

    /** Applies an event in the order the system received it (the tests send per contact in order). */
    public KlaviyoModel apply(SegmentEvent event) {
        String email = ContactKey.normaliseEmail(event.email());
        LinkedHashMap<String, Long> current = membership.computeIfAbsent(email, e -> new LinkedHashMap<>());
        switch (Objects.requireNonNull(event.form(), "invalid event")) {
            case DELETION -> current.clear();
            case FULL_SET -> {
                current.keySet().retainAll(event.segments());
                for (String s : event.segments()) {
                    current.computeIfAbsent(s, k -> ++sequence);
                }
            }
            case DELTA -> {
                if (event.exited() != null) {
                    event.exited().forEach(current::remove);
                }
                if (event.entered() != null) {
                    for (String s : event.entered()) {
                        current.computeIfAbsent(s, k -> ++sequence);
                    }
                }
            }
        }
        return this;
    }

    public Set<String> emails() {
        return membership.keySet();
    }

    public Expected expected(String email) {
        LinkedHashMap<String, Long> current = membership.getOrDefault(ContactKey.normaliseEmail(email), new LinkedHashMap<>());
        String latest = null;
        long latestSeq = Long.MIN_VALUE;
        Set<String> segmentNames = new LinkedHashSet<>();
        for (Map.Entry<String, Long> e : current.entrySet()) {
            if (synced.contains(e.getKey()) && names.containsKey(e.getKey())) {
                segmentNames.add(names.get(e.getKey()));
                if (e.getValue() > latestSeq) {
                    latestSeq = e.getValue();
                    latest = names.get(e.getKey());
                }
            }
        }
        return segmentNames.isEmpty() ? Expected.ABSENT : new Expected(true, latest, segmentNames);
    }

    /** Contacts whose actual state differs from the model, one line each; empty means "zero differences". */
    public List<String> differences(Map<String, Expected> actualByEmail) {
        List<String> diffs = new ArrayList<>();
        for (String email : membership.keySet()) {
            Expected want = expected(email);
            Expected got = actualByEmail.getOrDefault(email, Expected.ABSENT);
            if (!want.equals(got)) {
                diffs.add(email + ": expected " + want + " but Klaviyo has " + got);
            }
        }
        return diffs;
    }
}
