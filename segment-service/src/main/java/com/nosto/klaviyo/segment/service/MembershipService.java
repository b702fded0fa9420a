package com.nosto.klaviyo.segment.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.SegmentRef;
import com.nosto.klaviyo.segment.domain.ChangeDerivation;
import com.nosto.klaviyo.segment.domain.ChangeFactory;
import com.nosto.klaviyo.segment.domain.Contact;
import com.nosto.klaviyo.segment.domain.Membership;
import com.nosto.klaviyo.segment.domain.MembershipPlan;
import com.nosto.klaviyo.segment.domain.SyncedView;
import com.nosto.klaviyo.segment.domain.Tombstone;
import com.nosto.klaviyo.segment.repository.ContactRepository;
import com.nosto.klaviyo.segment.repository.MembershipRepository;
import com.nosto.klaviyo.segment.repository.OutboxRepository;
import com.nosto.klaviyo.segment.repository.SegmentRepository;
import com.nosto.klaviyo.segment.repository.TombstoneRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Applies validated segment events to the stored membership and writes the resulting changes to the
 * outbox in the same transaction: a Kafka poll's events in one transaction ({@link #applyAll}), a REST
 * item in one of its own ({@link #apply}, the same code). Both ingest paths end here.
 */
@ApplicationScoped
public class MembershipService {

    public enum Result { APPLIED, STALE }

    private static final TypeReference<List<SegmentRef>> VIEW = new TypeReference<>() {
    };

    @Inject
    ContactRepository contacts;
    @Inject
    MembershipRepository memberships;
    @Inject
    TombstoneRepository tombstones;
    @Inject
    SegmentRepository segments;
    @Inject
    OutboxRepository outbox;
    @Inject
    SegmentMetrics metrics;

    private static final Function<SegmentEvent, Uni<?>> NOTHING = e -> Uni.createFrom().voidItem();
    /** Test seam: runs inside an event's transaction right after it read the segment definitions. */
    private volatile Function<SegmentEvent, Uni<?>> afterDefinitionsRead = NOTHING;

    /** For tests in this package: {@code step} delays an event's transaction after it read the definitions; null: none. */
    void afterDefinitionsRead(Function<SegmentEvent, Uni<?>> step) {
        afterDefinitionsRead = step == null ? NOTHING : step;
    }

    /** Applies one valid, normalised event in its own transaction (a poll of one: the same code path). */
    public Uni<Result> apply(SegmentEvent event) {
        return applyAll(List.of(event)).map(results -> results.get(0));
    }

    /**
     * Applies valid, normalised events in ONE transaction, one after another in the given order, each
     * exactly as in a transaction of its own: the same stale check, tombstones, definitions lock and change
     * derivation, each event seeing what the ones before it wrote. Every contact the list touches is locked
     * first, in one sorted order (advisory lock, then row lock), so two such transactions over overlapping
     * contacts, or one and a fan-out page, cannot deadlock. The changes go to the outbox in event order
     * before the commit; the changes counter moves after it. One commit for the whole list.
     *
     * @return one result per event, in the given order
     */
    public Uni<List<Result>> applyAll(List<SegmentEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        // Deferred: every subscription (a caller's retry) starts from a fresh batch, not from a failed attempt's.
        return Uni.createFrom().deferred(() -> {
            Batch batch = new Batch();
            return Panache.withTransaction(() -> contacts.lockAll(keys(events, 0))
                            .chain(() -> batch.load(keys(events, 0)))
                            .chain(() -> Multi.createFrom().range(0, events.size())
                                    .onItem().transformToUniAndConcatenate(i -> batch.next(events, i)
                                            .chain(() -> applyInTransaction(events.get(i), batch)))
                                    .collect().asList())
                            .call(() -> batch.persistMemberships())
                            .call(() -> outbox.append(batch.out)))
                    .invoke(() -> batch.countChanges());
        });
    }

    private static List<Contact.Key> keys(List<SegmentEvent> events, int from) {
        return events.subList(from, events.size()).stream().map(e -> new Contact.Key(e.accountId(), e.email())).distinct().toList();
    }

    /**
     * What one transaction of events shares: the outbox rows so far, the definitions read, and what is
     * stored for the contacts not yet touched (read up front in three statements, so an event of such a
     * contact reads nothing more; the contacts are locked before).
     */
    private final class Batch {
        final List<MembershipChange> out = new ArrayList<>();
        /** Read under the account's shared definitions lock, held to the commit: they cannot change meanwhile. */
        final Map<String, Map<String, SyncedView.Definition>> definitions = new HashMap<>();
        final Set<Contact.Key> touched = new HashSet<>();
        /** Contacts whose stored state below is known (absent from the maps: not stored). */
        final Set<Contact.Key> loaded = new HashSet<>();
        final Map<Contact.Key, Contact> stored = new HashMap<>();
        final Map<Contact.Key, List<Membership>> held = new HashMap<>();
        final Map<String, Tombstone> deleted = new HashMap<>();
        /**
         * New membership rows, persisted after the events' contacts: the inserts of a transaction then go in two
         * batches (contacts, memberships) instead of alternating tables, which ends a batch at every row. No event
         * of another contact reads them, and an event of the same contact comes after {@link #next} wrote them.
         */
        final List<Membership> newMemberships = new ArrayList<>();

        Uni<Void> persistMemberships() {
            if (newMemberships.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            List<Membership> pending = List.copyOf(newMemberships);
            newMemberships.clear();
            return memberships.persist(pending);
        }

        Uni<Void> load(List<Contact.Key> keys) {
            List<String> hashes = keys.stream().map(k -> Tombstone.hash(k.accountId(), k.email())).toList();
            return contacts.loadAll(keys).invoke(list -> list.forEach(c -> stored.put(c.key, c)))
                    .chain(() -> memberships.ofContacts(keys)).invoke(list -> list.forEach(m -> held.computeIfAbsent(
                            new Contact.Key(m.key.accountId(), m.key.email()), k -> new ArrayList<>()).add(m)))
                    .chain(() -> tombstones.findAll(hashes)).invoke(list -> list.forEach(t -> deleted.put(t.keyHash, t)))
                    .invoke(() -> loaded.addAll(keys))
                    .replaceWithVoid();
        }

        /**
         * Before the event at {@code i}: if its contact was already touched in this transaction, write what is
         * pending, forget the managed entities and read the rest of the list's contacts again, so the event sees
         * its contact, memberships and tombstone as stored, exactly as it would in a transaction of its own (and
         * no stale entity shares an id with a new one).
         */
        Uni<Void> next(List<SegmentEvent> events, int i) {
            SegmentEvent e = events.get(i);
            if (touched.add(new Contact.Key(e.accountId(), e.email()))) {
                return Uni.createFrom().voidItem();
            }
            touched.clear();
            touched.add(new Contact.Key(e.accountId(), e.email()));
            loaded.clear();
            stored.clear();
            held.clear();
            deleted.clear();
            return persistMemberships()
                    .chain(() -> Panache.getSession()).chain(s -> s.flush().invoke(s::clear))
                    .chain(() -> load(keys(events, i)));
        }

        Uni<Contact> contact(String accountId, String email) {
            Contact.Key key = new Contact.Key(accountId, email);
            return loaded.contains(key) ? Uni.createFrom().item(stored.get(key)) : contacts.lock(accountId, email);
        }

        Uni<List<Membership>> memberships(String accountId, String email) {
            Contact.Key key = new Contact.Key(accountId, email);
            return loaded.contains(key) ? Uni.createFrom().item(held.getOrDefault(key, List.of()))
                    : memberships.ofContact(accountId, email);
        }

        Uni<Tombstone> tombstone(String accountId, String email, String hash) {
            return loaded.contains(new Contact.Key(accountId, email)) ? Uni.createFrom().item(deleted.get(hash))
                    : tombstones.findById(hash);
        }

        Uni<Map<String, SyncedView.Definition>> definitions(String accountId) {
            Map<String, SyncedView.Definition> read = definitions.get(accountId);
            if (read != null) {
                return Uni.createFrom().item(read);
            }
            return segments.lockDefinitionsForRead(accountId)
                    .chain(() -> segments.definitions(accountId))
                    .invoke(d -> definitions.put(accountId, d));
        }

        void countChanges() {
            out.stream().collect(Collectors.groupingBy(MembershipChange::type, Collectors.counting()))
                    .forEach((t, n) -> metrics.changes(t, n.intValue()));
        }
    }

    private Uni<Result> applyInTransaction(SegmentEvent e, Batch batch) {
        String accountId = e.accountId();
        String email = e.email();
        Instant now = Instant.now();
        return batch.contact(accountId, email).chain(contact -> {
            if (contact != null) {
                return e.observedAt().isBefore(contact.observedAt)
                        ? Uni.createFrom().item(Result.STALE)
                        : batch.memberships(accountId, email).chain(current -> applyToContact(contact, current, e, now, batch));
            }
            String hash = Tombstone.hash(accountId, email);
            return batch.tombstone(accountId, email, hash).chain(tombstone -> {
                // A deletion wins a tie: an event observed at the deletion instant does not resurrect.
                if (tombstone != null && !e.observedAt().isAfter(tombstone.deletedAt)) {
                    return Uni.createFrom().item(Result.STALE);
                }
                if (e.form() == SegmentEvent.Form.DELETION) {
                    // Unknown (or already deleted) contact: record the deletion so an older late event stays out.
                    Tombstone t = tombstone != null ? tombstone : newTombstone(hash, accountId, 0);
                    t.deletedAt = e.observedAt();
                    return (tombstone != null ? Uni.createFrom().voidItem() : tombstones.persist(t).replaceWithVoid())
                            .replaceWith(Result.APPLIED);
                }
                // Re-added after deletion: starts afresh, versions continue above the deleted ones.
                long baseVersion = tombstone == null ? 0 : tombstone.version;
                Contact created = Contact.create(accountId, email, e.observedAt(), baseVersion, now);
                Uni<Void> clear = tombstone == null ? Uni.createFrom().voidItem() : tombstones.delete(tombstone);
                return clear.chain(() -> contacts.persist(created))
                        .chain(c -> applyToContact(c, List.of(), e, now, batch));
            });
        });
    }

    private Uni<Result> applyToContact(Contact contact, List<Membership> current, SegmentEvent e, Instant now, Batch batch) {
        String accountId = contact.key.accountId();
        String email = contact.key.email();
        contact.observedAt = e.observedAt();
        contact.updatedAt = now;
        if (e.form() == SegmentEvent.Form.DELETION) {
            List<SegmentRef> before = view(contact);
            Optional<ChangeType> type = ChangeDerivation.derive(before, List.of(), true);
            List<MembershipChange> out = new ArrayList<>();
            type.ifPresent(t -> out.add(ChangeFactory.change(t, accountId, email, ++contact.version, before, List.of(),
                    ChangeCause.of(ChangeCause.Kind.DELETION, null), now)));
            Tombstone t = newTombstone(Tombstone.hash(accountId, email), accountId, contact.version);
            t.deletedAt = e.observedAt();
            // Privacy: no membership row and no email survive a deletion, only the tombstone.
            return memberships.deleteAll(accountId, email)
                    .chain(() -> contacts.delete(contact))
                    .chain(() -> tombstones.persist(t))
                    .invoke(() -> batch.out.addAll(out))
                    .replaceWith(Result.APPLIED);
        }
        Set<String> held = current.stream().map(m -> m.key.segmentId()).collect(Collectors.toSet());
        MembershipPlan plan = MembershipPlan.of(held, e);
        List<SyncedView.Entry> after = new ArrayList<>();
        for (Membership m : current) {
            if (!plan.toRemove().contains(m.key.segmentId())) {
                after.add(m.entry());
            }
        }
        List<Membership> added = new ArrayList<>();
        for (String segmentId : plan.toAdd()) {
            Membership m = Membership.of(accountId, email, segmentId, ++contact.entrySeq, now);
            added.add(m);
            after.add(m.entry());
        }
        Uni<Void> removal = plan.toRemove().isEmpty() ? Uni.createFrom().voidItem()
                : memberships.deleteSegments(accountId, email, plan.toRemove()).replaceWithVoid();
        return removal.invoke(() -> batch.newMemberships.addAll(added))
                .chain(() -> batch.definitions(accountId))
                .call(defs -> afterDefinitionsRead.apply(e))
                .invoke(defs -> reconcile(contact, SyncedView.of(after, defs), ChangeCause.membership(), false, now)
                        .ifPresent(batch.out::add))
                .replaceWith(Result.APPLIED);
    }

    /**
     * Compares the synced view downstream last received with the view now and, when they differ
     * (or when restating for a resync), advances the contact's version and returns the change.
     */
    Optional<MembershipChange> reconcile(Contact contact, List<SegmentRef> after, ChangeCause cause, boolean restate,
            Instant now) {
        List<SegmentRef> before = view(contact);
        Optional<ChangeType> type = restate
                ? Optional.of(ChangeDerivation.restate(before, after))
                : ChangeDerivation.derive(before, after, false);
        if (type.isEmpty()) {
            return Optional.empty();
        }
        contact.version++;
        contact.syncedView = json(after);
        contact.updatedAt = now;
        return Optional.of(ChangeFactory.change(type.get(), contact.key.accountId(), contact.key.email(), contact.version,
                before, after, cause, now));
    }

    /**
     * Fan-out step: reconciles a page of contacts (already locked) with the account's current segment
     * definitions and writes their changes to the outbox. Returns how many changes were written.
     */
    Uni<Integer> reconcilePage(String accountId, List<Contact> page, ChangeCause cause) {
        if (page.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<String> emails = page.stream().map(c -> c.key.email()).toList();
        Instant now = Instant.now();
        boolean resync = cause.kind() == ChangeCause.Kind.RESYNC;
        return memberships.entriesOf(accountId, emails).chain(byEmail -> segments.definitions(accountId).chain(defs -> {
            List<MembershipChange> out = new ArrayList<>();
            List<Contact> changed = new ArrayList<>();
            for (Contact c : page) {
                List<SegmentRef> after = SyncedView.of(byEmail.getOrDefault(c.key.email(), List.of()), defs);
                // A resync restates what downstream may hold: every contact that has ever been emitted or is synced now.
                boolean restate = resync && (c.version > 0 || !after.isEmpty());
                reconcile(c, after, cause, restate, now).ifPresent(change -> {
                    out.add(change);
                    changed.add(c);
                });
            }
            return contacts.updateVersions(accountId, changed).chain(() -> emit(out)).replaceWith(out.size());
        }));
    }

    private Uni<Void> emit(List<MembershipChange> changes) {
        Map<ChangeType, Long> byType = changes.stream().collect(Collectors.groupingBy(MembershipChange::type, Collectors.counting()));
        return outbox.append(changes).invoke(() -> byType.forEach((t, n) -> metrics.changes(t, n.intValue())));
    }

    private static Tombstone newTombstone(String hash, String accountId, long version) {
        Tombstone t = new Tombstone();
        t.keyHash = hash;
        t.accountId = accountId;
        t.version = version;
        return t;
    }

    static List<SegmentRef> view(Contact c) {
        try {
            return EventJson.mapper().readValue(c.syncedView, VIEW);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Stored synced view is not JSON for a contact", e);
        }
    }

    static String json(List<SegmentRef> view) {
        try {
            return EventJson.mapper().writeValueAsString(view);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
