package com.nosto.klaviyo.gateway.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

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
     * The newest batch in the inbox that carries the contact: released by sync-worker, received here, not applied yet.
     * {@code version} and {@code inList} are the contact's state in that batch; {@code waitingReason} and
     * {@code retryAt} say why the account's batches wait (as {@code GET …/klaviyo} does), null when they do not.
     */
    public record Inbox(String windowId, String windowKind, Long version, Boolean inList, Instant receivedAt,
            String waitingReason, Instant retryAt) {
    }

    /**
     * The ledger row: the last version applied to Klaviyo, whether it was applied as a list member, the Klaviyo profile
     * id when known, when it last changed; the sync run that touched it then; the newest row outcome; the Klaviyo
     * account the ledger belongs to; and the newest inbox batch that still carries the contact (null when none).
     */
    public record State(boolean known, Long appliedVersion, Boolean inList, String profileId, Instant updatedAt, Run lastRun,
            Outcome lastOutcome, String klaviyoAccountId, Inbox inbox) {
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
                        .chain(o -> s.createNativeQuery(INBOX, Object[].class).setParameter("a", accountId).setParameter("e", email)
                                .getResultList().map(i -> {
                            Outcome outcome = o.isEmpty() ? null
                                    : new Outcome((String) o.get(0)[0], (String) o.get(0)[1], (String) o.get(0)[2], instant(o.get(0)[3]));
                            Run run = l[4] == null ? null : new Run((String) l[4], (String) l[5], instant(l[6]), instant(l[7]));
                            boolean known = l[0] != null;
                            return new State(known, known ? ((Number) l[0]).longValue() : null, (Boolean) l[1], (String) l[2],
                                    instant(l[3]), run, outcome, (String) l[8], inbox(i));
                        })))));
    }

    /**
     * The newest inbox batch of the account that carries the email, with the account's waiting reason. It reads the
     * payloads of the account's waiting batches (an operator's single look-up; the inbox holds only what is not
     * applied yet). A batch applied in part keeps only its contacts still to apply, so a hit is a contact not applied.
     */
    private static final String INBOX = "select b.window_id, b.window_kind, cast(c ->> 'version' as bigint),"
            + " cast(c ->> 'inList' as boolean), " + micros("b.received_at") + ", w.waiting_kind, w.waiting_reason, "
            + micros("case when w.not_before in ('infinity', '-infinity') or w.not_before <= now() then null else w.not_before end")
            + " from {h-schema}inbox_batch b"
            + " cross join lateral jsonb_array_elements(cast(b.payload as jsonb) -> 'contacts') c"
            + " left join {h-schema}account_lease w on w.account_id = b.account_id and w.waiting_kind is not null"
            + " where b.account_id = :a and c ->> 'email' = :e order by b.arrival desc limit 1";

    private static Inbox inbox(List<Object[]> rows) {
        if (rows.isEmpty()) {
            return null;
        }
        Object[] r = rows.get(0);
        String why = r[5] == null ? null : r[5] + (r[6] == null ? "" : ": " + r[6]);
        return new Inbox((String) r[0], (String) r[1], r[2] == null ? null : ((Number) r[2]).longValue(), (Boolean) r[3],
                instant(r[4]), why, instant(r[7]));
    }
}
