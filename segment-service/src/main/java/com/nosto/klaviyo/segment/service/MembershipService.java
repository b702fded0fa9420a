package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.segment.domain.AccountDefinitions;
import com.nosto.klaviyo.segment.domain.Contact;
import com.nosto.klaviyo.segment.domain.IngestBatch;
import com.nosto.klaviyo.segment.domain.IngestWrites;
import com.nosto.klaviyo.segment.domain.Membership;
import com.nosto.klaviyo.segment.domain.Tombstone;
import com.nosto.klaviyo.segment.repository.ContactRepository;
import com.nosto.klaviyo.segment.repository.FanoutJobRepository;
import com.nosto.klaviyo.segment.repository.IngestRepository;
import com.nosto.klaviyo.segment.repository.MembershipRepository;
import com.nosto.klaviyo.segment.repository.SegmentRepository;
import com.nosto.klaviyo.segment.repository.TombstoneRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Applies validated segment events in ONE transaction (a Kafka poll, or a REST request): every contact they touch is
 * locked first, in one sorted order (advisory lock, then row lock), so two such transactions over overlapping contacts,
 * or one and a fan-out page, wait rather than deadlock; their stored rows are read in three statements; each account's
 * segment definitions are read under its shared definitions lock (held to the commit, so a sync switch or rename waits
 * for the events applying under the old definitions); the events are applied in memory ({@link IngestBatch}); and the
 * net result goes back in one statement with the outbox row ({@link IngestRepository}). One commit for the whole list.
 */
@ApplicationScoped
public class MembershipService {

    private static final Function<SegmentEvent, Uni<?>> NOTHING = e -> Uni.createFrom().voidItem();

    private final ContactRepository contacts;
    private final MembershipRepository memberships;
    private final TombstoneRepository tombstones;
    private final SegmentRepository segments;
    private final FanoutJobRepository fanouts;
    private final IngestRepository ingest;
    private final Clock clock;
    /** Test seam: runs inside the transaction for each event, after the definitions were read. */
    private volatile Function<SegmentEvent, Uni<?>> afterDefinitionsRead = NOTHING;

    public MembershipService(ContactRepository contacts, MembershipRepository memberships, TombstoneRepository tombstones,
            SegmentRepository segments, FanoutJobRepository fanouts, IngestRepository ingest, Clock clock) {
        this.contacts = contacts;
        this.memberships = memberships;
        this.tombstones = tombstones;
        this.segments = segments;
        this.fanouts = fanouts;
        this.ingest = ingest;
        this.clock = clock;
    }

    /** For tests in this package: {@code step} delays (or fails) a transaction after it read the definitions; null: none. */
    void afterDefinitionsRead(Function<SegmentEvent, Uni<?>> step) {
        afterDefinitionsRead = step == null ? NOTHING : step;
    }

    /** What one transaction of events did: a result per event (in order) and the net writes it committed. */
    public record Applied(List<IngestBatch.Result> results, IngestWrites writes) {
    }

    /**
     * Applies valid, normalised events in one transaction, in the given order. Every subscription (a caller's retry)
     * starts afresh from what is stored.
     */
    public Uni<Applied> applyAll(List<SegmentEvent> events) {
        return applyAll(events, null);
    }

    /**
     * As above; {@code traces} (null, or one per event, each null or a traceparent) are the events' trace contexts,
     * stored with the changes each causes so that the outbox relay publishes them in the events' traces.
     */
    public Uni<Applied> applyAll(List<SegmentEvent> events, List<String> traces) {
        if (events.isEmpty()) {
            return Uni.createFrom().item(new Applied(List.of(), null));
        }
        List<Contact.Key> keys = events.stream().map(e -> new Contact.Key(e.accountId(), e.email())).distinct().toList();
        List<String> accounts = keys.stream().map(Contact.Key::accountId).distinct().sorted().toList();
        return Uni.createFrom().deferred(() -> Panache.withTransaction(() -> contacts.lockAll(keys)
                .chain(stored -> load(keys, stored, accounts))
                .call(batch -> Multi.createFrom().iterable(events).onItem().transformToUniAndConcatenate(afterDefinitionsRead)
                        .collect().last())
                .chain(batch -> {
                    Instant now = clock.instant();
                    List<IngestBatch.Result> results = new ArrayList<>(events.size());
                    for (int i = 0; i < events.size(); i++) {
                        results.add(batch.apply(events.get(i), now, traces == null ? null : traces.get(i)));
                    }
                    IngestWrites writes = batch.writes();
                    return ingest.write(writes).replaceWith(new Applied(results, writes));
                })));
    }

    /** The locked contacts' memberships, the absent ones' tombstones and each account's definitions. */
    private Uni<IngestBatch> load(List<Contact.Key> keys, List<Contact> stored, List<String> accounts) {
        Set<Contact.Key> present = stored.stream().map(c -> c.key).collect(Collectors.toSet());
        // A contact stored has no tombstone (re-adding deletes it) and one not stored has no memberships.
        List<String> absent = keys.stream().filter(k -> !present.contains(k))
                .map(k -> Tombstone.hash(k.accountId(), k.email())).toList();
        Map<String, AccountDefinitions> definitions = new HashMap<>();
        return (present.isEmpty() ? Uni.createFrom().item(List.<Membership>of())
                        : memberships.ofContacts(List.copyOf(present)))
                .chain(held -> (absent.isEmpty() ? Uni.createFrom().item(List.<Tombstone>of()) : tombstones.findAll(absent))
                        .chain(deleted -> Multi.createFrom().iterable(accounts)
                                .onItem().transformToUniAndConcatenate(a -> definitions(a).invoke(d -> definitions.put(a, d)))
                                .collect().last()
                                .map(ignored -> new IngestBatch(keys, stored, held, deleted, definitions))));
    }

    /** Under the account's shared definitions lock, held to the commit: its definitions and running first enables. */
    private Uni<AccountDefinitions> definitions(String accountId) {
        return segments.lockDefinitionsForRead(accountId)
                .chain(() -> fanouts.firstEnablesRunning(accountId))
                .chain(running -> segments.definitions(accountId).map(d -> new AccountDefinitions(d, running)));
    }
}
