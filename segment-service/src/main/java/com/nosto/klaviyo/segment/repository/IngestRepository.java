package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.segment.domain.Contact;
import com.nosto.klaviyo.segment.domain.IngestWrites;
import com.nosto.klaviyo.segment.domain.Membership;
import com.nosto.klaviyo.segment.domain.Tombstone;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Writes what a transaction of events made of its contacts ({@link IngestWrites}), the member counts of the segments
 * it changed (into one stripe of their count rows) and its changes to the outbox (one row holding them all, in order), in ONE statement (data-modifying WITH
 * queries over unnested arrays), inside the caller's transaction. Memberships exist only beside their contact: the
 * batch deletes a deleted contact's memberships itself (no foreign key: its per-row check cost more than the insert).
 */
@ApplicationScoped
public class IngestRepository {

    /**
     * Rows a segment's member count is spread over ({@code segment_member_count.stripe}, V8): each transaction adds its
     * deltas to one stripe drawn at random, so replicas' transactions of one account rarely wait on each other's count
     * rows (1 in 16 pairs); a count is the sum of its stripes ({@link MemberCountRepository}).
     */
    static final int MEMBER_COUNT_STRIPES = 16;

    private static final String SQL = "with"
            + " membership_gone as (delete from {h-schema}membership m"
            + " using unnest(cast(:mga as text[]), cast(:mge as text[]), cast(:mgs as text[])) as d(a, e, s)"
            + " where m.account_id = d.a and m.email = d.e and m.segment_id = d.s),"
            + " contact_gone as (delete from {h-schema}contact c using unnest(cast(:cga as text[]), cast(:cge as text[])) as d(a, e)"
            + " where c.account_id = d.a and c.email = d.e),"
            + " contact_changed as (insert into {h-schema}contact"
            + " (account_id, email, observed_at, version, entry_seq, synced_view, updated_at)"
            + " select a, e, cast(o as timestamptz), v, q, w, cast(u as timestamptz)"
            + " from unnest(cast(:cca as text[]), cast(:cce as text[]), cast(:cco as text[]), cast(:ccv as bigint[]),"
            + " cast(:ccq as bigint[]), cast(:ccw as text[]), cast(:ccu as text[])) as t(a, e, o, v, q, w, u)"
            + " on conflict (account_id, email) do update set observed_at = excluded.observed_at, version = excluded.version,"
            + " entry_seq = excluded.entry_seq, synced_view = excluded.synced_view, updated_at = excluded.updated_at),"
            + " membership_new as (insert into {h-schema}membership (account_id, email, segment_id, entry_seq, entered_at)"
            + " select a, e, s, q, cast(t as timestamptz) from unnest(cast(:mna as text[]), cast(:mne as text[]),"
            + " cast(:mns as text[]), cast(:mnq as bigint[]), cast(:mnt as text[])) as m(a, e, s, q, t)"
            + " on conflict (account_id, email, segment_id) do update set entry_seq = excluded.entry_seq,"
            + " entered_at = excluded.entered_at),"
            + " tombstone_changed as (insert into {h-schema}contact_tombstone (key_hash, account_id, deleted_at, version)"
            + " select h, a, cast(d as timestamptz), v from unnest(cast(:tch as text[]), cast(:tca as text[]),"
            + " cast(:tcd as text[]), cast(:tcv as bigint[])) as t(h, a, d, v)"
            + " on conflict (key_hash) do update set account_id = excluded.account_id, deleted_at = excluded.deleted_at,"
            + " version = excluded.version),"
            + " tombstone_gone as (delete from {h-schema}contact_tombstone where key_hash = any(cast(:tgh as text[]))),"
            // Into the transaction's stripe, in the given order (sorted by account and segment): two transactions that
            // drew the same stripe lock its rows alike.
            + " member_count as (insert into {h-schema}segment_member_count (account_id, segment_id, stripe, members)"
            + " select a, s, cast(:mst as smallint), d from unnest(cast(:mca as text[]), cast(:mcs as text[]),"
            + " cast(:mcd as bigint[])) with ordinality as c(a, s, d, n) order by n"
            + " on conflict (account_id, segment_id, stripe) do update set members = segment_member_count.members + excluded.members),"
            // traces: NULL unless an event of the transaction carried a trace context (an empty array says none).
            + " outbox_new as (insert into {h-schema}outbox_tx (keys, payloads, traces)"
            + " select cast(:ok as text[]), cast(:op as text[]), nullif(cast(:ot as text[]), '{}')"
            + " where cardinality(cast(:ok as text[])) > 0)"
            + " select 1";

    public Uni<Void> write(IngestWrites w) {
        if (w.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.getSession().chain(s -> s.createNativeQuery(SQL)
                .setParameter("mga", w.membershipsGone().stream().map(Membership.Key::accountId).toArray(String[]::new))
                .setParameter("mge", w.membershipsGone().stream().map(Membership.Key::email).toArray(String[]::new))
                .setParameter("mgs", w.membershipsGone().stream().map(Membership.Key::segmentId).toArray(String[]::new))
                .setParameter("cga", w.contactsGone().stream().map(Contact.Key::accountId).toArray(String[]::new))
                .setParameter("cge", w.contactsGone().stream().map(Contact.Key::email).toArray(String[]::new))
                .setParameter("cca", w.contactsChanged().stream().map(c -> c.key.accountId()).toArray(String[]::new))
                .setParameter("cce", w.contactsChanged().stream().map(c -> c.key.email()).toArray(String[]::new))
                .setParameter("cco", w.contactsChanged().stream().map(c -> Rows.text(c.observedAt)).toArray(String[]::new))
                .setParameter("ccv", w.contactsChanged().stream().map(c -> c.version).toArray(Long[]::new))
                .setParameter("ccq", w.contactsChanged().stream().map(c -> c.entrySeq).toArray(Long[]::new))
                .setParameter("ccw", w.contactsChanged().stream().map(c -> c.syncedView).toArray(String[]::new))
                .setParameter("ccu", w.contactsChanged().stream().map(c -> Rows.text(c.updatedAt)).toArray(String[]::new))
                .setParameter("mna", w.membershipsNew().stream().map(m -> m.key.accountId()).toArray(String[]::new))
                .setParameter("mne", w.membershipsNew().stream().map(m -> m.key.email()).toArray(String[]::new))
                .setParameter("mns", w.membershipsNew().stream().map(m -> m.key.segmentId()).toArray(String[]::new))
                .setParameter("mnq", w.membershipsNew().stream().map(m -> m.entrySeq).toArray(Long[]::new))
                .setParameter("mnt", w.membershipsNew().stream().map(m -> Rows.text(m.enteredAt)).toArray(String[]::new))
                .setParameter("tch", w.tombstonesChanged().stream().map(t -> t.keyHash).toArray(String[]::new))
                .setParameter("tca", w.tombstonesChanged().stream().map(t -> t.accountId).toArray(String[]::new))
                .setParameter("tcd", w.tombstonesChanged().stream().map(t -> Rows.text(t.deletedAt)).toArray(String[]::new))
                .setParameter("tcv", w.tombstonesChanged().stream().map(t -> t.version).toArray(Long[]::new))
                .setParameter("tgh", w.tombstonesGone().toArray(String[]::new))
                .setParameter("mca", w.memberCounts().stream().map(IngestWrites.MemberCount::accountId).toArray(String[]::new))
                .setParameter("mcs", w.memberCounts().stream().map(IngestWrites.MemberCount::segmentId).toArray(String[]::new))
                .setParameter("mcd", w.memberCounts().stream().map(IngestWrites.MemberCount::delta).toArray(Long[]::new))
                .setParameter("mst", java.util.concurrent.ThreadLocalRandom.current().nextInt(MEMBER_COUNT_STRIPES))
                .setParameter("ok", w.changes().stream().map(c -> c.contactKey().asKafkaKey()).toArray(String[]::new))
                .setParameter("op", w.changes().stream().map(EventJson::write).toArray(String[]::new))
                .setParameter("ot", w.traces() == null ? new String[0] : w.traces().toArray(String[]::new))
                .getSingleResult()).replaceWithVoid();
    }
}
