package com.nosto.klaviyo.emulator;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Set;

/** Mutable list state inside an account; guarded by the account's lock. */
final class ListState {

    final String id;
    /** Creation order within the account: the key of get_lists' cursors. */
    final long seq;
    String name;
    String optInProcess;
    final Instant created;
    Instant updated;
    final Members members = new Members();

    ListState(String id, long seq, String name, String optInProcess, Instant now) {
        this.id = id;
        this.seq = seq;
        this.name = name;
        this.optInProcess = optInProcess;
        this.created = now;
        this.updated = now;
    }

    KlaviyoList snapshot() {
        return new KlaviyoList(id, name, optInProcess, created, updated);
    }

    /**
     * A list's members in join order, each with when it joined. Every join takes the next position and positions
     * never shift, so a page cursor (a position) stays valid while members come and go between pages, as Klaviyo's
     * cursors do: an audit paging through 100,000 members while a merchant removes some neither skips nor repeats one.
     */
    static final class Members {

        private record Member(long position, Instant joined) {
        }

        private final LinkedHashMap<String, Member> byId = new LinkedHashMap<>();
        private long next;

        /** Adds a member; a member already present keeps its position and join time. */
        boolean add(String profileId, Instant joined) {
            if (byId.containsKey(profileId)) {
                return false;
            }
            byId.put(profileId, new Member(next++, joined));
            return true;
        }

        boolean remove(String profileId) {
            return byId.remove(profileId) != null;
        }

        boolean contains(String profileId) {
            return byId.containsKey(profileId);
        }

        Instant joinedAt(String profileId) {
            Member m = byId.get(profileId);
            return m == null ? null : m.joined();
        }

        /** Increases with join order; -1 for a non-member. */
        long position(String profileId) {
            Member m = byId.get(profileId);
            return m == null ? -1 : m.position();
        }

        /** Member ids in join order (a read-only view). */
        Set<String> ids() {
            return Collections.unmodifiableSet(byId.keySet());
        }

        int size() {
            return byId.size();
        }
    }
}
