package com.nosto.klaviyo.segment.repository;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The transactional outbox. A transaction's changes are appended as ONE row of {@code outbox_tx} (keys and
 * payloads as arrays, in order) inside the caller's Hibernate Reactive transaction, so they commit or vanish
 * with the state change; the relay reads and deletes rows through the plain reactive pool, outside any
 * business transaction. Rows of the per-change table {@code outbox}, written by instances of an earlier
 * version during a rolling upgrade, are read too: both tables take ids from one sequence (after the contact
 * locks are held), and the relay publishes them merged by id, so one contact's changes stay in commit order.
 */
@ApplicationScoped
public class OutboxRepository {

    /** A stored change ready to publish: {@code id} is its row's (a row of {@code outbox_tx} holds several). */
    public record Pending(long id, String key, String payload, Instant createdAt) {
    }

    /** How many changes wait and when the oldest of them was written (null when none waits). */
    public record Backlog(long rows, Instant oldest) {
    }

    /**
     * The oldest rows of both tables merged by id, as one record per change in publishing order. Per-transaction
     * rows are sized first (only their key arrays' lengths are read) and taken while their changes stay within
     * the limit (at least one row, whatever its size); only the chosen rows' payloads are read;
     * when the per-change table fills the limit on its own, no per-transaction row beyond its last id is taken,
     * so a round never publishes a later row before an earlier one.
     */
    private static final String OLDEST = """
            with single as (select id, topic_key, payload, created_at from %1$s.outbox order by id limit $1),
                 single_cap as (select case when count(*) = $1 then max(id) end as below from single),
                 sized as (select id, created_at, n, sum(n) over (order by id) - n as before
                             from (select id, created_at, cardinality(keys) as n from %1$s.outbox_tx
                                    order by id limit $1) t),
                 chosen as (select sized.id, sized.created_at from sized cross join single_cap
                             where (sized.before + sized.n <= $1 or sized.before = 0)
                               and (single_cap.below is null or sized.id < single_cap.below))
            select id, 1::bigint as n, topic_key as k, payload as p, created_at from single
            union all
            select c.id, u.n, u.k, u.p, c.created_at
              from chosen c join %1$s.outbox_tx t on t.id = c.id
                   cross join lateral unnest(t.keys, t.payloads) with ordinality as u(k, p, n)
            order by id, n""";

    @Inject
    Pool pool;

    /** The plain pool has no Hibernate default schema; the relay's SQL names it. */
    @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema")
    String schema;

    /** Appends the changes, in order, as one row within the current transaction. */
    public Uni<Void> append(List<MembershipChange> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] keys = changes.stream().map(c -> c.contactKey().asKafkaKey()).toArray(String[]::new);
        String[] payloads = changes.stream().map(OutboxRepository::json).toArray(String[]::new);
        return Panache.getSession().chain(s -> s.createNativeQuery("insert into {h-schema}outbox_tx (keys, payloads)"
                        + " values (cast(:k as text[]), cast(:p as text[]))")
                .setParameter("k", keys).setParameter("p", payloads).executeUpdate())
                .replaceWithVoid();
    }

    /**
     * The oldest waiting changes in publishing order (id order across both tables, then a row's array order):
     * whole rows only, up to {@code limit} changes of each table, or the first row alone when it holds more.
     */
    public Uni<List<Pending>> oldest(int limit) {
        return pool.preparedQuery(OLDEST.formatted(schema))
                .execute(Tuple.of(limit))
                .map(rows -> {
                    List<Pending> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Pending(r.getLong("id"), r.getString("k"), r.getString("p"),
                                r.getOffsetDateTime("created_at").toInstant()));
                    }
                    return out;
                });
    }

    /** Deletes the rows with these ids from both tables (ids are unique across them); returns rows deleted. */
    public Uni<Integer> delete(List<Long> ids) {
        Long[] distinct = ids.stream().distinct().toArray(Long[]::new);
        return pool.preparedQuery("with single as (delete from " + schema + ".outbox where id = any($1) returning 1),"
                        + " tx as (delete from " + schema + ".outbox_tx where id = any($1) returning 1)"
                        + " select (select count(*) from single) + (select count(*) from tx)")
                .execute(Tuple.of(distinct))
                .map(rows -> (int) rows.iterator().next().getLong(0).longValue());
    }

    /** Changes waiting in both tables. */
    public Uni<Long> count() {
        return backlog().map(Backlog::rows);
    }

    /** The outbox's backlog in changes, for the lag gauges (a scan of the outbox: cheap while the relay keeps up). */
    public Uni<Backlog> backlog() {
        return pool.query("select (select count(*) from " + schema + ".outbox)"
                + " + (select coalesce(sum(cardinality(keys)), 0) from " + schema + ".outbox_tx),"
                + " least((select min(created_at) from " + schema + ".outbox), (select min(created_at) from " + schema
                + ".outbox_tx))").execute().map(rows -> {
                    Row r = rows.iterator().next();
                    java.time.OffsetDateTime oldest = r.getOffsetDateTime(1);
                    return new Backlog(r.getLong(0), oldest == null ? null : oldest.toInstant());
                });
    }

    static String json(MembershipChange c) {
        try {
            return EventJson.mapper().writeValueAsString(c);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A MembershipChange always serializes", e);
        }
    }
}
