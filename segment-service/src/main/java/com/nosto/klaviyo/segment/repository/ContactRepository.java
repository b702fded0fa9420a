package com.nosto.klaviyo.segment.repository;

import com.nosto.klaviyo.segment.domain.Contact;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;

@ApplicationScoped
public class ContactRepository implements PanacheRepositoryBase<Contact, Contact.Key> {

    /**
     * Serialises all work on one contact for the rest of the transaction, including its creation
     * (a row lock cannot cover a row that does not exist yet), then loads it locked; null when absent.
     */
    public Uni<Contact> lock(String accountId, String email) {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("select 1 from pg_advisory_xact_lock(hashtextextended(:k, 0))")
                        .setParameter("k", accountId + "|" + email)
                        .getSingleResult())
                .chain(ignored -> findById(new Contact.Key(accountId, email), LockModeType.PESSIMISTIC_WRITE));
    }

    /** One page of a segment's members after {@code afterEmail}, locked, in email order (keyset paging). */
    public Uni<List<Contact>> pageInSegment(String accountId, String segmentId, String afterEmail, int size) {
        return find("from Contact c where c.key.accountId = ?1 and c.key.email > ?2 and exists ("
                        + "select 1 from Membership m where m.key.accountId = c.key.accountId "
                        + "and m.key.email = c.key.email and m.key.segmentId = ?3) order by c.key.email",
                accountId, afterEmail, segmentId)
                .withLock(LockModeType.PESSIMISTIC_WRITE).page(0, size).list();
    }

    /** One page of all the account's contacts after {@code afterEmail}, locked, in email order. */
    public Uni<List<Contact>> pageInAccount(String accountId, String afterEmail, int size) {
        return find("from Contact c where c.key.accountId = ?1 and c.key.email > ?2 order by c.key.email",
                accountId, afterEmail)
                .withLock(LockModeType.PESSIMISTIC_WRITE).page(0, size).list();
    }
}
