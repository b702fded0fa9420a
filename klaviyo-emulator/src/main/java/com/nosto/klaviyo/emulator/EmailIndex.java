package com.nosto.klaviyo.emulator;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Email → profile for one account, as Klaviyo looks profiles up by email without reading them all (a bulk job of
 * 10,000 upserts matches each one). An email held by more than one profile is left out of the map and counted in
 * {@code shared}; those are found by scanning. Guarded by the account's lock.
 */
final class EmailIndex {

    private final Map<String, ProfileState> byEmail = new HashMap<>();
    private final Map<String, Integer> shared = new HashMap<>();

    void add(ProfileState p, String email) {
        Integer holders = shared.get(email);
        if (holders != null) {
            shared.put(email, holders + 1);
            return;
        }
        ProfileState other = byEmail.putIfAbsent(email, p);
        if (other != null && other != p) {
            byEmail.remove(email);
            shared.put(email, 2);
        }
    }

    /** {@code profiles}: the account's profiles, to find the one holder left of a shared email. */
    void remove(ProfileState p, String email, Collection<ProfileState> profiles) {
        Integer holders = shared.get(email);
        if (holders == null) {
            byEmail.remove(email, p);
            return;
        }
        if (holders > 2) {
            shared.put(email, holders - 1);
            return;
        }
        shared.remove(email);
        for (ProfileState q : profiles) {
            if (q != p && email.equals(q.email())) {
                byEmail.put(email, q);
                return;
            }
        }
    }

    /** The profile holding this (normalised) email; the first in the account's order when several do. */
    ProfileState find(String email, Collection<ProfileState> profiles) {
        if (!shared.containsKey(email)) {
            return byEmail.get(email);
        }
        for (ProfileState p : profiles) {
            if (email.equals(p.email())) {
                return p;
            }
        }
        return null;
    }

    /**
     * The profiles holding any of these emails, in the account's order; null when the index cannot answer exactly
     * (an email held by several profiles, or non-ASCII, where case-insensitive matching is not plain lower-casing)
     * and the caller should scan.
     */
    List<ProfileState> findAll(Collection<String> emails) {
        Set<ProfileState> found = new HashSet<>();
        for (String email : emails) {
            if (email == null || !email.chars().allMatch(ch -> ch < 128)) {
                return null;
            }
            String n = Faults.normalize(email);
            if (shared.containsKey(n)) {
                return null;
            }
            ProfileState p = byEmail.get(n);
            if (p != null) {
                found.add(p);
            }
        }
        return found.stream().sorted(Comparator.comparingLong(p -> p.seq)).toList();
    }

    void clear() {
        byEmail.clear();
        shared.clear();
    }
}
