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
 * The transactional outbox. Rows are appended inside the caller's Hibernate Reactive transaction
 * (so they commit or vanish with the state change); the relay reads and deletes them through the
 * plain reactive pool, outside any business transaction.
 */
@ApplicationScoped
public class OutboxRepository {

    /** A stored change ready to publish. */
    public record Pending(long id, String key, String payload, Instant createdAt) {
    }

    /** How many rows wait and when the oldest of them was written (null when none waits). */
    public record Backlog(long rows, Instant oldest) {
    }

    @Inject
    Pool pool;

    /** The plain pool has no Hibernate default schema; the relay's SQL names it. */
    @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema")
    String schema;

    /**
     * Appends the changes, in order, within the current transaction: one statement whatever the count
     * (arrays unnested with their ordinality, so ids follow the list order).
     */
    public Uni<Void> append(List<MembershipChange> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] keys = changes.stream().map(c -> c.contactKey().asKafkaKey()).toArray(String[]::new);
        String[] ids = changes.stream().map(c -> c.eventId().toString()).toArray(String[]::new);
        String[] payloads = changes.stream().map(OutboxRepository::json).toArray(String[]::new);
        return Panache.getSession().chain(s -> s.createNativeQuery("insert into {h-schema}outbox (topic_key, event_id, payload)"
                        + " select k, cast(e as uuid), p from unnest(cast(:k as text[]), cast(:e as text[]), cast(:p as text[]))"
                        + " with ordinality as t(k, e, p, n) order by n")
                .setParameter("k", keys).setParameter("e", ids).setParameter("p", payloads).executeUpdate())
                .replaceWithVoid();
    }

    /** The oldest rows, in id order (for one contact, id order is commit order: ids are taken under its lock). */
    public Uni<List<Pending>> oldest(int limit) {
        return pool.preparedQuery("select id, topic_key, payload, created_at from " + schema + ".outbox order by id limit $1")
                .execute(Tuple.of(limit))
                .map(rows -> {
                    List<Pending> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Pending(r.getLong("id"), r.getString("topic_key"), r.getString("payload"),
                                r.getOffsetDateTime("created_at").toInstant()));
                    }
                    return out;
                });
    }

    public Uni<Integer> delete(List<Long> ids) {
        return pool.preparedQuery("delete from " + schema + ".outbox where id = any($1)")
                .execute(Tuple.of(ids.toArray(new Long[0])))
                .map(r -> r.rowCount());
    }

    public Uni<Long> count() {
        return pool.query("select count(*) from " + schema + ".outbox").execute().map(rows -> rows.iterator().next().getLong(0));
    }

    /** The outbox's backlog, for the lag gauges (a scan of the outbox: cheap while the relay keeps up). */
    public Uni<Backlog> backlog() {
        return pool.query("select count(*), min(created_at) from " + schema + ".outbox").execute().map(rows -> {
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
