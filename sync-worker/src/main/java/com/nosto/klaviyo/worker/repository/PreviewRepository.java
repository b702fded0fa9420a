package com.nosto.klaviyo.worker.repository;

import com.nosto.klaviyo.events.ChangeType;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What an account's next windows would release, counted in one statement over its pending ledger rows. */
@ApplicationScoped
public class PreviewRepository {

    /**
     * The change a release computes ({@code ReleaseRules.release}), in SQL so that a preview of millions of pending
     * contacts is counted by the database; {@code WindowResourceTest} holds the two to the same answers.
     */
    private static final String RELEASED_AS = """
            CASE
              WHEN desired_in_list AND NOT coalesce(released_in_list, false) THEN 'ADDED'
              WHEN desired_in_list AND (desired_segment IS DISTINCT FROM released_segment
                                        OR desired_segments IS DISTINCT FROM released_segments) THEN 'MOVED'
              WHEN desired_in_list THEN CASE WHEN restate THEN 'ADDED' END
              WHEN coalesce(released_in_list, false) OR restate THEN CASE WHEN desired_deleted THEN 'DELETED' ELSE 'REMOVED' END
            END""";

    private static final String PREVIEW = """
            SELECT first_enable, change, total, restated, email FROM (
                SELECT first_enable_pending AS first_enable, change, email,
                       count(*) OVER (PARTITION BY first_enable_pending, change) AS total,
                       count(*) FILTER (WHERE restate) OVER (PARTITION BY first_enable_pending, change) AS restated,
                       row_number() OVER (PARTITION BY first_enable_pending, change ORDER BY email) AS n
                  FROM (SELECT email, first_enable_pending, restate, %s AS change
                          FROM sync_worker.contact_ledger WHERE account_id = $1 AND pending) AS p
                 WHERE change IS NOT NULL) AS k
             WHERE n <= $2
             ORDER BY first_enable, change, email""".formatted(RELEASED_AS);

    /**
     * One change kind of one window kind in an account's pending contacts.
     *
     * @param firstEnable whether these contacts wait for a first-enable window (else only for the regular one)
     * @param restated    how many of them are restatements of an operator's resync
     * @param sample      the first emails of the kind, in email order
     */
    public record PendingKind(boolean firstEnable, ChangeType change, long count, long restated, List<String> sample) {
    }

    /** What the account's next windows would release, by window kind and change, with up to {@code sample} emails each. */
    public Uni<List<PendingKind>> pendingByKind(SqlClient conn, String accountId, int sample) {
        return conn.preparedQuery(PREVIEW).execute(Tuple.of(accountId, Math.max(sample, 1))).map(rows -> {
            Map<String, PendingKind> kinds = new LinkedHashMap<>();
            for (Row r : rows) {
                boolean firstEnable = r.getBoolean("first_enable");
                ChangeType change = ChangeType.valueOf(r.getString("change"));
                PendingKind kind = kinds.computeIfAbsent(firstEnable + "/" + change, k -> new PendingKind(firstEnable, change,
                        r.getLong("total"), r.getLong("restated"), new ArrayList<>()));
                if (kind.sample().size() < sample) {
                    kind.sample().add(r.getString("email"));
                }
            }
            return kinds.values().stream().map(k -> new PendingKind(k.firstEnable(), k.change(), k.count(), k.restated(),
                    List.copyOf(k.sample()))).toList();
        });
    }
}
