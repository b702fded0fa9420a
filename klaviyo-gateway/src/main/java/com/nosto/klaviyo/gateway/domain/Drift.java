package com.nosto.klaviyo.gateway.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every difference one audit found (G14), by class. A contact may be in two classes: a member whose stored profile was
 * merged away is PROFILE_GONE and, when the surviving profile is not listed, MISSING too.
 *
 * @param missing    members by the ledger whose profile Klaviyo has ({@link Missing#profileId()}) but not in the list
 * @param properties listed members whose two properties differ from what was applied
 * @param foreign    listed profiles that are no member by the ledger
 * @param gone       members whose stored profile id Klaviyo no longer has for their email
 */
public record Drift(ListFinding list, List<Missing> missing, List<ModelContact> properties, List<ListedMember> foreign,
        List<Gone> gone) {

    /** A member to put back in the list; {@code profileId} is the one Klaviyo holds for the email. */
    public record Missing(ModelContact contact, String profileId) {
    }

    /**
     * A stored profile id Klaviyo no longer knows for the email; {@code currentId} is the profile it now has for the email
     * (null: none, the profile was deleted or merged into one with another email).
     */
    public record Gone(String email, String storedId, String currentId) {
    }

    public Map<DriftClass, Integer> counts() {
        Map<DriftClass, Integer> c = new EnumMap<>(DriftClass.class);
        c.put(DriftClass.MISSING, missing.size());
        c.put(DriftClass.FOREIGN, foreign.size());
        c.put(DriftClass.PROPERTIES, properties.size());
        c.put(DriftClass.PROFILE_GONE, gone.size());
        c.put(DriftClass.LIST_MISSING, list.status() == ListFinding.Status.MISSING ? 1 : 0);
        c.put(DriftClass.LIST_RENAMED, list.status() == ListFinding.Status.RENAMED ? 1 : 0);
        c.put(DriftClass.LIST_DUPLICATE, list.duplicates());
        return c;
    }

    /** No difference at all. */
    public boolean none() {
        return counts().values().stream().allMatch(n -> n == 0);
    }

    /** Up to {@code n} emails per contact class, in email order (list classes have none). */
    public Map<DriftClass, List<String>> samples(int n) {
        Map<DriftClass, List<String>> s = new EnumMap<>(DriftClass.class);
        s.put(DriftClass.MISSING, first(missing.stream().map(m -> m.contact().email()), n));
        s.put(DriftClass.FOREIGN, first(foreign.stream().map(ListedMember::email), n));
        s.put(DriftClass.PROPERTIES, first(properties.stream().map(ModelContact::email), n));
        s.put(DriftClass.PROFILE_GONE, first(gone.stream().map(Gone::email), n));
        s.values().removeIf(List::isEmpty);
        return s;
    }

    private static List<String> first(Stream<String> emails, int n) {
        return new ArrayList<>(emails.filter(e -> e != null).sorted(Comparator.naturalOrder()).limit(n).toList());
    }
}
