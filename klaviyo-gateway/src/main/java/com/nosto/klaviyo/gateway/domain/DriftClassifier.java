package com.nosto.klaviyo.gateway.domain;

import com.nosto.klaviyo.events.ContactKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares what the gateway applied (the ledger's members and their properties) with what Klaviyo holds (the list's
 * members with their two properties, and the profiles found by email for members not in the list), and classifies every
 * difference (pure; no I/O). Emails are compared normalised (trimmed, lower-cased, G5).
 */
public final class DriftClassifier {

    private DriftClassifier() {
    }

    /** The members by the ledger that are not in the list: their emails are looked up to tell MISSING from PROFILE_GONE. */
    public static List<String> toLookUp(Collection<ModelContact> model, Collection<ListedMember> members) {
        Map<String, ListedMember> listed = byEmail(members);
        return model.stream().map(ModelContact::email).filter(e -> !listed.containsKey(e)).sorted().toList();
    }

    /**
     * @param found email → the profile id Klaviyo has for it, for the emails of {@link #toLookUp} (absent: no profile)
     */
    public static Drift classify(ListFinding list, Collection<ModelContact> model, Collection<ListedMember> members,
            Map<String, String> found) {
        Map<String, ListedMember> listed = byEmail(members);
        Map<String, ModelContact> modelByEmail = new HashMap<>();
        model.forEach(c -> modelByEmail.put(c.email(), c));
        List<Drift.Missing> missing = new ArrayList<>();
        List<ModelContact> properties = new ArrayList<>();
        List<Drift.Gone> gone = new ArrayList<>();
        for (ModelContact c : model) {
            ListedMember m = listed.get(c.email());
            if (m != null) {
                if (c.profileId() != null && !c.profileId().equals(m.profileId())) {
                    gone.add(new Drift.Gone(c.email(), c.profileId(), m.profileId()));
                }
                if (c.propertiesKnown() && !propertiesMatch(c, m)) {
                    properties.add(c);
                }
                continue;
            }
            String current = found.get(c.email());
            if (current == null) {
                // Deleted (a privacy request) or merged into a profile with another email: never re-created by an audit.
                gone.add(new Drift.Gone(c.email(), c.profileId(), null));
                continue;
            }
            if (c.profileId() != null && !c.profileId().equals(current)) {
                gone.add(new Drift.Gone(c.email(), c.profileId(), current));
            }
            missing.add(new Drift.Missing(c, current));
        }
        List<ListedMember> foreign = new ArrayList<>();
        listed.forEach((email, m) -> {
            if (!modelByEmail.containsKey(email)) {
                foreign.add(m);
            }
        });
        return new Drift(list, missing, properties, foreign, gone);
    }

    /** Both properties exactly as applied: the segment a string (absent when none), the segments an array in order. */
    static boolean propertiesMatch(ModelContact c, ListedMember m) {
        return Objects.equals(c.nostoSegment(), m.nostoSegment())
                && m.nostoSegments() instanceof List<?> l && l.equals(c.nostoSegments());
    }

    /** Listed members by normalised email; a profile without an email is keyed by its id (it can only be foreign). */
    private static Map<String, ListedMember> byEmail(Collection<ListedMember> members) {
        Map<String, ListedMember> out = new LinkedHashMap<>();
        for (ListedMember m : members) {
            String email = m.email() == null ? null : ContactKey.normaliseEmail(m.email());
            out.putIfAbsent(email == null || email.isEmpty() ? "id:" + m.profileId() : email, m);
        }
        return out;
    }
}
