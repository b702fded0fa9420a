package com.nosto.klaviyo.gateway.repository;

import com.nosto.klaviyo.gateway.domain.BatchResult;
import com.nosto.klaviyo.gateway.domain.LedgerEntry;
import com.nosto.klaviyo.gateway.repository.entity.ContactLedgerEntity;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * contact_ledger rows. Both statements are native and set-based on purpose: a batch carries up to tens of
 * thousands of contacts, and one {@code = ANY(array)} read / one {@code unnest} upsert is a single round
 * trip, where entities would mean an IN list of that many parameters, that many managed objects, and a
 * select-then-write per row that also loses the forward-only guard's atomicity
 * ({@code ON CONFLICT … WHERE applied_version < EXCLUDED.applied_version}, G8).
 * Methods run in the caller's session (see {@link SyncStateRepository}).
 */
@ApplicationScoped
public class LedgerRepository implements PanacheRepositoryBase<ContactLedgerEntity, ContactLedgerEntity.Key> {

    Uni<Map<String, LedgerEntry>> read(String accountId, List<String> emails) {
        return getSession().chain(s -> s.createNativeQuery("""
                        SELECT email, applied_version, profile_id, in_list FROM {h-schema}contact_ledger
                        WHERE account_id = :a AND email = ANY(cast(:e as text[]))""", Object[].class)
                .setParameter("a", accountId).setParameter("e", emails.toArray(new String[0])).getResultList())
                .map(rows -> {
                    Map<String, LedgerEntry> out = new HashMap<>();
                    for (Object[] r : rows) {
                        String email = (String) r[0];
                        out.put(email, new LedgerEntry(email, ((Number) r[1]).longValue(), (String) r[2], (Boolean) r[3]));
                    }
                    return out;
                });
    }

    /** The Klaviyo account the account's ledger was applied to, if recorded. */
    Uni<Optional<String>> owner(String accountId) {
        return getSession().chain(s -> s.createNativeQuery(
                        "SELECT klaviyo_account_id FROM {h-schema}ledger_klaviyo_account WHERE account_id = :a", String.class)
                .setParameter("a", accountId).getResultList()).map(rows -> rows.stream().findFirst());
    }

    /** From now on the account's ledger is that of this Klaviyo account. */
    Uni<Void> bind(String accountId, String klaviyoAccountId, Instant now) {
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}ledger_klaviyo_account (account_id, klaviyo_account_id, bound_at) VALUES (:a, :k, :now)
                        ON CONFLICT (account_id) DO UPDATE SET klaviyo_account_id = EXCLUDED.klaviyo_account_id,
                            bound_at = EXCLUDED.bound_at""")
                .setParameter("a", accountId).setParameter("k", klaviyoAccountId).setParameter("now", now.atOffset(ZoneOffset.UTC))
                .executeUpdate()).replaceWithVoid();
    }

    /** Forgets every applied version and profile id of the account; returns how many contacts it held. */
    Uni<Integer> clear(String accountId) {
        return getSession().chain(s -> s.createNativeQuery("DELETE FROM {h-schema}contact_ledger WHERE account_id = :a")
                .setParameter("a", accountId).executeUpdate());
    }

    /** Moves the ledger forward only: a row whose stored version is not older stays as it is. */
    Uni<Void> advance(String accountId, Collection<BatchResult.LedgerWrite> writes, Instant now) {
        String[] emails = writes.stream().map(BatchResult.LedgerWrite::email).toArray(String[]::new);
        Long[] versions = writes.stream().map(BatchResult.LedgerWrite::version).toArray(Long[]::new);
        String[] profileIds = writes.stream().map(BatchResult.LedgerWrite::profileId).toArray(String[]::new);
        Boolean[] inList = writes.stream().map(BatchResult.LedgerWrite::inList).toArray(Boolean[]::new);
        String[] segment = writes.stream().map(BatchResult.LedgerWrite::nostoSegment).toArray(String[]::new);
        String[] segments = writes.stream().map(w -> new JsonArray(w.nostoSegments() == null ? List.of() : List.copyOf(w.nostoSegments()))
                .encode()).toArray(String[]::new);
        return getSession().chain(s -> s.createNativeQuery("""
                        INSERT INTO {h-schema}contact_ledger (account_id, email, applied_version, profile_id, in_list, updated_at,
                            nosto_segment, nosto_segments)
                        SELECT :a, t.email, t.version, t.profile_id, t.in_list, :now, t.segment, t.segments
                        FROM unnest(cast(:e as text[]), cast(:v as bigint[]), cast(:p as text[]), cast(:l as boolean[]),
                            cast(:s as text[]), cast(:ss as text[])) AS t(email, version, profile_id, in_list, segment, segments)
                        ON CONFLICT (account_id, email) DO UPDATE SET applied_version = EXCLUDED.applied_version,
                            profile_id = COALESCE(EXCLUDED.profile_id, contact_ledger.profile_id),
                            in_list = EXCLUDED.in_list, updated_at = EXCLUDED.updated_at,
                            nosto_segment = EXCLUDED.nosto_segment, nosto_segments = EXCLUDED.nosto_segments
                        WHERE contact_ledger.applied_version < EXCLUDED.applied_version""")
                .setParameter("a", accountId).setParameter("e", emails).setParameter("v", versions)
                .setParameter("p", profileIds).setParameter("l", inList).setParameter("s", segment).setParameter("ss", segments)
                .setParameter("now", now.atOffset(ZoneOffset.UTC))
                .executeUpdate()).replaceWithVoid();
    }
}
