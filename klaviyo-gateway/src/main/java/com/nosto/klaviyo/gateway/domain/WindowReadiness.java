package com.nosto.klaviyo.gateway.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * When the batches of one window waiting in the inbox may be applied (pure). sync-worker releases a window per source
 * partition of {@code segment-membership-changes} and ends each partition's part with an end marker that says how
 * many partitions the window has. The window is <b>complete</b> when markers of that many distinct partitions are in
 * (waiting in the inbox or recorded as applied: a marker sent twice counts once) and every partition with batches in
 * the inbox has ended. A window whose marker never comes is applied anyway {@code maxWait} after its oldest waiting
 * batch arrived: applying a window in parts is correct (the ledger's versions decide), only costlier.
 */
public final class WindowReadiness {

    private WindowReadiness() {
    }

    public enum State {
        /** Every source partition's end marker is in. */
        COMPLETE,
        /** Not complete, but its oldest batch has waited max-wait: applied as it is. */
        MAX_WAIT,
        WAITING
    }

    /**
     * What the inbox holds of one source partition of a window.
     *
     * @param sourcePartition  null for a batch that names none (never complete: max-wait applies it)
     * @param ended            its end marker is among them
     * @param windowPartitions the partition count the marker states; null without a marker
     */
    public record Part(Integer sourcePartition, boolean ended, Integer windowPartitions) {
    }

    /** @param readyAt for a waiting window, when max-wait makes it ready (unless its markers come first) */
    public record Verdict(State state, Instant readyAt) {

        public boolean ready() {
            return state != State.WAITING;
        }
    }

    /**
     * @param inbox          the window's parts waiting in the inbox
     * @param appliedMarkers end markers of the window applied before: source partition → the partition count it stated
     * @param oldest         when the oldest of the window's waiting batches arrived
     * @param now            the same clock as {@code oldest} (the database's)
     */
    public static Verdict of(Collection<Part> inbox, Map<Integer, Integer> appliedMarkers, Instant oldest, Instant now,
            Duration maxWait) {
        Set<Integer> ended = new HashSet<>(appliedMarkers.keySet());
        Integer partitions = appliedMarkers.values().stream().max(Integer::compare).orElse(null);
        Set<Integer> present = new HashSet<>();
        boolean unnamed = false;
        for (Part p : inbox) {
            if (p.sourcePartition() == null) {
                unnamed = true;
                continue;
            }
            present.add(p.sourcePartition());
            if (p.ended() && p.windowPartitions() != null) {
                ended.add(p.sourcePartition());
                partitions = partitions == null ? p.windowPartitions() : Math.max(partitions, p.windowPartitions());
            }
        }
        if (!unnamed && partitions != null && ended.size() >= partitions && ended.containsAll(present)) {
            return new Verdict(State.COMPLETE, now);
        }
        Instant readyAt = oldest.plus(maxWait);
        return new Verdict(now.isBefore(readyAt) ? State.WAITING : State.MAX_WAIT, readyAt);
    }
}
