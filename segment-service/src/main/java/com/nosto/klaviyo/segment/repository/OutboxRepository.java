package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The transactional outbox, {@code outbox_tx}: a transaction's changes are ONE row (keys and payloads as arrays, in
 * order), appended inside the caller's Hibernate Reactive transaction, so they commit or vanish with the state change.
 * Ids come from a sequence taken after the contact locks are held, so one contact's rows are in commit order. The relay
 * reads, deletes and trims rows on its own connection, inside the transaction of its round. A row's {@code traces}
 * (NULL unless tracing is on) holds each change's trace context, parallel to its keys.
 */
@ApplicationScoped
public class OutboxRepository {

    /**
     * A stored change ready to publish: {@code id} is its row's, {@code index} its place in the row (from 1), {@code trace}
     * the trace context of the event that caused it (a traceparent; null when tracing was off or it had none).
     */
    public record Pending(long id, int index, String key, String payload, Instant createdAt, String trace) {
    }

    /** How many changes wait and when the oldest of them was written (null when none waits). */
    public record Backlog(long changes, Instant oldest) {
    }

    /**
     * The oldest rows, as one record per change in publishing order: rows are sized first (only their key arrays'
     * lengths are read) and taken while their changes stay within the limit (at least one row, whatever its size); only
     * the chosen rows' payloads are read.
     */
    private static final String OLDEST = """
            with sized as (select id, created_at, n, sum(n) over (order by id) as upto
                             from (select id, created_at, cardinality(keys) as n from %1$s.outbox_tx order by id limit $1) t),
                 chosen as (select id, created_at from sized where upto <= $1 or upto = n)
            select c.id, u.n, u.k, u.p, c.created_at, t.traces[u.n] as tr
              from chosen c join %1$s.outbox_tx t on t.id = c.id
                   cross join lateral unnest(t.keys, t.payloads) with ordinality as u(k, p, n)
             order by c.id, u.n""";

    private final Pool pool;
    private final String schema;

    public OutboxRepository(Pool pool, @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") String schema) {
        this.pool = pool;
        this.schema = schema;
    }

    /** Appends the changes, in order, as one row within the current Hibernate Reactive transaction. */
    public Uni<Void> append(List<MembershipChange> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] keys = changes.stream().map(c -> c.contactKey().asKafkaKey()).toArray(String[]::new);
        String[] payloads = changes.stream().map(EventJson::write).toArray(String[]::new);
        return Panache.getSession().chain(s -> s.createNativeQuery("insert into {h-schema}outbox_tx (keys, payloads)"
                        + " values (cast(:k as text[]), cast(:p as text[]))")
                .setParameter("k", keys).setParameter("p", payloads).executeUpdate())
                .replaceWithVoid();
    }

    /** The oldest waiting changes in publishing order: whole rows, up to {@code limit} changes, or the first row alone. */
    public Uni<List<Pending>> oldest(SqlClient client, int limit) {
        return client.preparedQuery(OLDEST.formatted(schema)).execute(Tuple.of(limit)).map(rows -> {
            List<Pending> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new Pending(r.getLong("id"), r.getLong("n").intValue(), r.getString("k"), r.getString("p"),
                        r.getOffsetDateTime("created_at").toInstant(), r.getString("tr")));
            }
            return out;
        });
    }

    /**
     * Removes the first {@code published} of {@code pending} (a prefix of what {@link #oldest} returned): rows published
     * whole are deleted; a row published only in part keeps the rest of its changes, in order.
     */
    public Uni<Void> remove(SqlClient client, List<Pending> pending, int published) {
        if (published == 0) {
            return Uni.createFrom().voidItem();
        }
        Pending last = pending.get(published - 1);
        boolean lastWhole = published == pending.size() || pending.get(published).id() != last.id();
        Long[] whole = pending.subList(0, published).stream().map(Pending::id)
                .filter(id -> lastWhole || id != last.id()).distinct().toArray(Long[]::new);
        Uni<Void> deleted = whole.length == 0 ? Uni.createFrom().voidItem()
                : client.preparedQuery("delete from " + schema + ".outbox_tx where id = any($1)").execute(Tuple.of(whole))
                        .replaceWithVoid();
        return lastWhole ? deleted : deleted.chain(() -> client.preparedQuery("update " + schema + ".outbox_tx"
                        + " set keys = keys[$2 + 1:], payloads = payloads[$2 + 1:], traces = traces[$2 + 1:] where id = $1")
                .execute(Tuple.of(last.id(), last.index())).replaceWithVoid());
    }

    /** Changes waiting. */
    public Uni<Long> count() {
        return backlog().map(Backlog::changes);
    }

    /** The outbox's backlog in changes, for the lag gauges (a scan of the outbox: cheap while the relay keeps up). */
    public Uni<Backlog> backlog() {
        return pool.query("select coalesce(sum(cardinality(keys)), 0), min(created_at) from " + schema + ".outbox_tx")
                .execute().map(rows -> {
                    Row r = rows.iterator().next();
                    OffsetDateTime oldest = r.getOffsetDateTime(1);
                    return new Backlog(r.getLong(0), oldest == null ? null : oldest.toInstant());
                });
    }
}
