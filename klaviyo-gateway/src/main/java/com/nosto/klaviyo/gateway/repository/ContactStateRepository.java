package com.nosto.klaviyo.gateway.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** One contact as the gateway holds it, for an operator's "where is this contact?" (indexed reads, one session). */
@ApplicationScoped
public class ContactStateRepository {

    /** The window whose chunk last moved the contact's ledger row (its commit is the row's updated_at). */
    public record Run(String windowId, String windowKind, Instant startedAt, Instant finishedAt) {
    }

    /** The newest row outcome recorded for the contact (FAILED, SKIPPED). */
    public record Outcome(String windowId, String outcome, String detail, Instant at) {
    }

    /**
     * The ledger row: the last version applied to Klaviyo, whether it was applied as a list member, the Klaviyo profile
     * id when known, when it last changed; the sync run that touched it then; the newest row outcome; and the Klaviyo
     * account the ledger belongs to.
     */
    public record State(boolean known, Long appliedVersion, Boolean inList, String profileId, Instant updatedAt, Run lastRun,
            Outcome lastOutcome, String klaviyoAccountId) {
    }

    private final Transactions tx;

    public ContactStateRepository(Transactions tx) {
        this.tx = tx;
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
        return tx.inSession(() -> Panache.getSession().chain(s -> s.createNativeQuery("select l.applied_version, l.in_list, l.profile_id, "
                                + micros("l.updated_at") + ", r.window_id, r.window_kind, " + micros("r.started_at") + ", "
                                + micros("r.finished_at") + ", o.klaviyo_account_id"
                                + " from (select 1) one"
                                + " left join {h-schema}contact_ledger l on l.account_id = :a and l.email = :e"
                                + " left join lateral (select * from {h-schema}sync_run r where r.account_id = :a"
                                + "   and r.started_at <= l.updated_at and r.finished_at >= l.updated_at"
                                + "   order by r.finished_at desc limit 1) r on true"
                                + " left join {h-schema}ledger_klaviyo_account o on o.account_id = :a", Object[].class)
                        .setParameter("a", accountId).setParameter("e", email).getSingleResult()
                .chain(l -> s.createNativeQuery("select window_id, outcome, detail, " + micros("at") + " from {h-schema}sync_row_error"
                                + " where account_id = :a and email = :e order by at desc limit 1", Object[].class)
                        .setParameter("a", accountId).setParameter("e", email).getResultList()
                        .map(o -> {
                            Outcome outcome = o.isEmpty() ? null
                                    : new Outcome((String) o.get(0)[0], (String) o.get(0)[1], (String) o.get(0)[2], instant(o.get(0)[3]));
                            Run run = l[4] == null ? null : new Run((String) l[4], (String) l[5], instant(l[6]), instant(l[7]));
                            boolean known = l[0] != null;
                            return new State(known, known ? ((Number) l[0]).longValue() : null, (Boolean) l[1], (String) l[2],
                                    instant(l[3]), run, outcome, (String) l[8]);
                        }))));
    }
}
