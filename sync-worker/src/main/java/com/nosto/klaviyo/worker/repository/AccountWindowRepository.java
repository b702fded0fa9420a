package com.nosto.klaviyo.worker.repository;

import com.nosto.klaviyo.worker.repository.entity.AccountWindowEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

@ApplicationScoped
public class AccountWindowRepository implements PanacheRepositoryBase<AccountWindowEntity, String> {

    /**
     * The grid anchors of several accounts, each created on first sight: two statements whatever the number of
     * accounts. Pass the ids sorted, so that two transactions creating the same accounts take the row locks in the
     * same order.
     */
    public Uni<Map<String, Instant>> anchors(SqlConnection conn, Collection<String> accountIds, Instant now) {
        String[] ids = accountIds.toArray(String[]::new);
        return conn.preparedQuery("INSERT INTO sync_worker.account_window (account_id, created_at)"
                        + " SELECT unnest($1::text[]), $2 ON CONFLICT (account_id) DO NOTHING")
                .execute(Tuple.of(ids, LedgerRepository.timestamp(now)))
                .chain(() -> conn.preparedQuery("SELECT account_id, created_at FROM sync_worker.account_window"
                        + " WHERE account_id = ANY($1::text[])").execute(Tuple.of(ids)))
                .map(rows -> {
                    Map<String, Instant> anchors = new HashMap<>();
                    for (Row r : rows) {
                        anchors.put(r.getString("account_id"), LedgerRepository.instant(r.getOffsetDateTime("created_at")));
                    }
                    if (anchors.size() != ids.length) {
                        throw new IllegalStateException("account anchors missing after insert: " + anchors.size() + " of " + ids.length);
                    }
                    return anchors;
                });
    }
}
