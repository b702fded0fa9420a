package com.nosto.klaviyo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.emulator.KlaviyoList;
import com.nosto.klaviyo.emulator.Profile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The drift made in a list of {@code listed} members, 1 % of them in all (at least one of each): 0.3 % removed from
 * the list (MISSING), 0.3 % profiles added by hand (FOREIGN; half of them carrying a Nosto property, which the
 * repair unsets), 0.2 % with properties edited (PROPERTIES), 0.2 % profiles deleted (PROFILE_GONE), and the list
 * renamed; made through the emulator's account edits ({@link #inject}) as a merchant's hand edits would, and what
 * Klaviyo must hold once the repair is done ({@link #converged}).
 */
record AuditDrift(int missing, int foreign, int foreignCarryingNosto, int properties, int profileGone) {

    /** The drift classes the gateway reports, in its order. */
    static final List<String> CLASSES = List.of("MISSING", "FOREIGN", "PROPERTIES", "PROFILE_GONE", "LIST_MISSING",
            "LIST_RENAMED", "LIST_DUPLICATE");

    static AuditDrift onePercentOf(int listed) {
        int foreign = Math.max(1, listed * 3 / 1000);
        return new AuditDrift(Math.max(1, listed * 3 / 1000), foreign, (foreign + 1) / 2, Math.max(1, listed * 2 / 1000),
                Math.max(1, listed * 2 / 1000));
    }

    int contacts() {
        return missing + foreign + properties + profileGone;
    }

    /** Members still listed after the drift: the missing and the deleted ones left the list, the foreign ones joined. */
    int listedAfter(int listed) {
        return listed - missing - profileGone + foreign;
    }

    /** What the dry run must report, every class. */
    Map<String, Integer> expectedDrift() {
        Map<String, Integer> m = new LinkedHashMap<>();
        CLASSES.forEach(c -> m.put(c, 0));
        m.put("MISSING", missing);
        m.put("FOREIGN", foreign);
        m.put("PROPERTIES", properties);
        m.put("PROFILE_GONE", profileGone);
        m.put("LIST_RENAMED", 1);
        return m;
    }

    Limits.RepairDrift repairDrift() {
        return new Limits.RepairDrift(missing, properties, foreign, foreignCarryingNosto, profileGone, true);
    }

    /** {@code count} distinct indices spread evenly over {@code 0..size-1}, ascending. */
    static int[] spread(int size, int count) {
        if (count > size) {
            throw new IllegalArgumentException(count + " picks from " + size);
        }
        int[] out = new int[count];
        for (int k = 0; k < count; k++) {
            out[k] = (int) ((long) k * size / count);
        }
        return out;
    }

    /** Every class reported (absent = 0) equal to the expected count. */
    static boolean driftMatches(Map<String, Integer> expected, JsonNode reported) {
        for (String c : CLASSES) {
            if (reported.path(c).asInt(0) != expected.getOrDefault(c, 0)) {
                return false;
            }
        }
        return true;
    }

    /** Every class reported 0. */
    static boolean noDrift(JsonNode reported) {
        return driftMatches(Map.of(), reported);
    }

    /**
     * The drift, through the emulator's account edits (the same methods its admin API's routes call): members spread
     * over the list removed, edited or deleted (disjoint), new profiles added to the list, the list renamed. Returns
     * the foreign members' emails.
     */
    Set<String> inject(EmulatedAccount klaviyo, String listId, String run) {
        List<String> members = klaviyo.listMemberIds(listId);
        int[] picks = spread(members.size(), missing + properties + profileGone);
        List<String> removed = new ArrayList<>();
        int k = 0;
        for (; k < missing; k++) {
            removed.add(members.get(picks[k]));
        }
        klaviyo.removeMembers(listId, removed);
        for (int p = 0; k < missing + properties; k++, p++) {
            String id = members.get(picks[k]);
            switch (p % 3) {
                case 0 -> klaviyo.editProperties(id, Map.of("nosto_segment", "Hand-made"), List.of());
                case 1 -> klaviyo.editProperties(id, Map.of(), List.of("nosto_segments"));
                default -> klaviyo.editProperties(id, Map.of("nosto_segments", "Segment a"), List.of());
            }
        }
        for (; k < picks.length; k++) {
            klaviyo.deleteProfile(members.get(picks[k]));
        }
        Set<String> foreignEmails = new HashSet<>();
        List<String> added = new ArrayList<>();
        for (int f = 0; f < foreign; f++) {
            String email = "foreign" + f + "-" + run + "@bench.example.com";
            Map<String, Object> props = f < foreignCarryingNosto
                    ? Map.of("loyalty", "gold", "nosto_segment", "Segment a", "nosto_segments", List.of("Segment a"))
                    : Map.of("loyalty", "gold");
            added.add(klaviyo.seedProfile(email, props).id());
            foreignEmails.add(email);
        }
        klaviyo.addMembers(listId, added);
        klaviyo.renameList(listId, "Our shoppers (renamed by hand)");
        return foreignEmails;
    }

    /** Klaviyo after the repair: the list named back, every ledger member but the deleted ones listed, no foreign one. */
    Map<String, Object> converged(EmulatedAccount klaviyo, String listId, int listed, Set<String> foreignEmails) {
        Map<String, Object> m = new LinkedHashMap<>();
        String name = klaviyo.list(listId).map(KlaviyoList::name).orElse(null);
        List<String> emails = klaviyo.listMemberEmails(listId);
        long foreignListed = emails.stream().filter(foreignEmails::contains).count();
        long foreignStillCarrying = foreignEmails.stream().map(klaviyo::profileByEmail).flatMap(java.util.Optional::stream)
                .map(Profile::properties).filter(p -> p.containsKey("nosto_segment") || p.containsKey("nosto_segments")).count();
        long foreignLostLoyalty = foreignEmails.stream().map(klaviyo::profileByEmail).flatMap(java.util.Optional::stream)
                .map(Profile::properties).filter(p -> !"gold".equals(p.get("loyalty"))).count();
        m.put("listName", name);
        m.put("listMembers", emails.size());
        m.put("expectedListMembers", listed - profileGone);
        m.put("foreignStillListed", foreignListed);
        m.put("foreignStillCarryingNosto", foreignStillCarrying);
        m.put("foreignOtherPropertiesLost", foreignLostLoyalty);
        m.put("ok", SystemUnderTest.LIST_NAME.equals(name) && emails.size() == listed - profileGone && foreignListed == 0
                && foreignStillCarrying == 0 && foreignLostLoyalty == 0);
        return m;
    }
}
