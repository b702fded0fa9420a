package com.nosto.klaviyo.worker.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

@ApplicationScoped
public class AccountWindowRepository implements PanacheRepositoryBase<AccountWindowEntity, String> {

    /** The account's grid anchor, created on first sight; safe when two partitions see the account at once. */
    public Uni<Instant> anchor(String accountId, Instant now) {
        return Panache.getSession()
                .chain(s -> s.createMutationQuery("insert into AccountWindowEntity (accountId, createdAt) values (?1, ?2)"
                        + " on conflict do nothing").setParameter(1, accountId).setParameter(2, now).executeUpdate())
                .chain(() -> findById(accountId))
                .map(a -> a.createdAt);
    }
}
