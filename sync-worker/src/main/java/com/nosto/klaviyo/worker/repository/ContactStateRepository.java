package com.nosto.klaviyo.worker.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** One contact as sync-worker holds it, for an operator's "where is this contact?" (one indexed read). */
@ApplicationScoped
public class ContactStateRepository {

    /** A contact's desired or released state: in the list, nosto_segment, nosto_segments (JSON), version, deleted. */
    public record Side(Boolean inList, String segment, String segments, Long version, Boolean deleted) {
    }

    /**
     * The contact's ledger row: what it should be ({@code desired}), whether a change waits for a window
     * ({@code pending}, since when, a first-enable window too, a restatement), when its partition's next window is due,
     * and what was last released ({@code released}, null when nothing ever was) and when.
     */
    public record State(boolean known, Integer sourcePartition, Side desired, boolean pending, Instant pendingSince,
            boolean firstEnablePending, boolean restate, Instant nextReleaseAt, Side released, Instant releasedAt, Instant updatedAt) {
    }

    private static String micros(String column) {
        return "cast(extract(epoch from " + column + ") * 1000000 as bigint)";
    }

    private static Instant instant(Object micros) {
        if (micros == null) {
            return null;
        }
        long us = ((Number) micros).longValue();
        return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1_000L);
    }

    public Uni<State> find(String accountId, String email) {
        // The next release of a pending contact: its partition's first-enable window when it waits for one, else the regular.
        String sql = "select l.source_partition, l.desired_in_list, l.desired_segment, l.desired_segments, l.desired_version,"
                + " l.desired_deleted, l.pending, " + micros("l.pending_since") + ", l.first_enable_pending, l.restate, "
                + micros("case when not (l.pending or l.first_enable_pending) then null when l.first_enable_pending"
                        + " then coalesce(w.first_enable_due_at, w.regular_due_at) else w.regular_due_at end") + ","
                + " l.released_in_list, l.released_segment, l.released_segments, l.released_version, l.released_deleted, "
                + micros("l.released_at") + ", " + micros("l.updated_at")
                + " from {h-schema}contact_ledger l left join {h-schema}window_schedule w"
                + " on w.account_id = l.account_id and w.source_partition = l.source_partition"
                + " where l.account_id = :a and l.email = :e";
        return Panache.withSession(() -> Panache.getSession().chain(s -> s.createNativeQuery(sql, Object[].class)
                .setParameter("a", accountId).setParameter("e", email).getResultList())).map(rows -> {
                    if (rows.isEmpty()) {
                        return new State(false, null, null, false, null, false, false, null, null, null, null);
                    }
                    Object[] r = rows.get(0);
                    Side desired = new Side((Boolean) r[1], (String) r[2], (String) r[3], ((Number) r[4]).longValue(), (Boolean) r[5]);
                    Side released = r[14] == null ? null
                            : new Side((Boolean) r[11], (String) r[12], (String) r[13], ((Number) r[14]).longValue(), (Boolean) r[15]);
                    return new State(true, ((Number) r[0]).intValue(), desired, (Boolean) r[6], instant(r[7]), (Boolean) r[8],
                            (Boolean) r[9], instant(r[10]), released, instant(r[16]), instant(r[17]));
                });
    }
}
