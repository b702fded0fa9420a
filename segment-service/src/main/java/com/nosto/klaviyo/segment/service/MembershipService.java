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
import com.nosto.klaviyo.segment.domain.MembershipCause;
import com.nosto.klaviyo.segment.domain.MembershipPlan;
import com.nosto.klaviyo.segment.domain.SyncedView;
import com.nosto.klaviyo.segment.domain.Tombstone;
import com.nosto.klaviyo.segment.repository.ContactRepository;
import com.nosto.klaviyo.segment.repository.FanoutJobRepository;
import com.nosto.klaviyo.segment.repository.IngestRepository;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
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
    IngestRepository ingest;
    @Inject
    FanoutJobRepository fanouts;
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
     * derivation, each event seeing what the ones before it left. Every contact the list touches is locked
     * first, in one sorted order (advisory lock, then row lock), so two such transactions over overlapping
     * contacts, or one and a fan-out page, cannot deadlock. Their stored rows (contact, memberships,
     * tombstone) are then read in three statements, the events are applied in memory to that state (a
     * contact that comes again sees what the events before it left), and the net result is written back
     * set-based with the changes for the outbox, in event order, in one statement ({@link IngestRepository})
     * before the commit; the changes counter moves after it. One commit for the whole list.
     *
     * @return one result per event, in the given order
     */
    public Uni<List<Result>> applyAll(List<SegmentEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Contact.Key> keys = events.stream().map(e -> new Contact.Key(e.accountId(), e.email())).distinct().toList();
        // Deferred: every subscription (a caller's retry) starts from a fresh batch, not from a failed attempt's.
        return Uni.createFrom().deferred(() -> {
            Batch batch = new Batch();
            return Panache.withTransaction(() -> contacts.lockAll(keys)
                            .chain(stored -> batch.load(keys, stored))
                            .chain(() -> Multi.createFrom().iterable(events)
                                    .onItem().transformToUniAndConcatenate(e -> applyInMemory(e, batch))
                                    .collect().asList())
                            .call(() -> ingest.write(batch.writes())))
                    .invoke(() -> batch.countChanges());
        });
    }

    /**
     * One contact of a transaction: what was stored when it began (read once, after the lock) and what the
     * events so far have made of it. Nothing is written until the end ({@link Batch#writes}).
     */
    private static final class State {
        final Contact.Key key;
        final String hash;
        /** As read: null when none was stored. */
        final Contact storedContact;
        final List<Membership> storedMemberships;
        final Tombstone storedTombstone;
        /** Now: null when the contact does not exist (never stored, or deleted by an event). */
        Contact contact;
        /** Now, in no particular order (the view orders by entry): the stored objects kept, new ones added. */
        List<Membership> memberships;
        Tombstone tombstone;
        /** An event applied to the contact (its row must be written) / changed or created the tombstone. */
        boolean contactChanged;
        boolean tombstoneChanged;

        State(Contact.Key key, Contact contact, List<Membership> memberships, Tombstone tombstone) {
            this.key = key;
            this.hash = Tombstone.hash(key.accountId(), key.email());
            this.storedContact = contact;
            this.storedMemberships = memberships;
            this.storedTombstone = tombstone;
            this.contact = contact;
            this.memberships = new ArrayList<>(memberships);
            this.tombstone = tombstone;
        }
    }

    /** What one transaction of events shares: each contact's state, the definitions read, the outbox rows so far. */
    private final class Batch {
        final List<MembershipChange> out = new ArrayList<>();
        /** Read under the account's shared definitions lock, held to the commit: they cannot change meanwhile. */
        final Map<String, Map<String, SyncedView.Definition>> definitions = new HashMap<>();
        /** Per account, read with the definitions: its first enables still fanning out (see MembershipCause). */
        final Map<String, Map<String, ChangeCause>> firstEnables = new HashMap<>();
        /** In the order of first appearance. */
        final Map<Contact.Key, State> states = new LinkedHashMap<>();

        /** Reads the memberships and tombstones of the locked contacts ({@code contacts}: those stored). */
        Uni<Void> load(List<Contact.Key> keys, List<Contact> contacts) {
            Map<Contact.Key, Contact> stored = new HashMap<>();
            contacts.forEach(c -> stored.put(c.key, c));
            Map<Contact.Key, List<Membership>> held = new HashMap<>();
            Map<String, Tombstone> deleted = new HashMap<>();
            List<String> hashes = keys.stream().map(k -> Tombstone.hash(k.accountId(), k.email())).toList();
            // A contact stored has no tombstone (re-adding deletes it) and one not stored has no memberships.
            List<Contact.Key> absent = keys.stream().filter(k -> !stored.containsKey(k)).toList();
            List<String> absentHashes = absent.stream().map(k -> Tombstone.hash(k.accountId(), k.email())).toList();
            Uni<Void> members = stored.isEmpty() ? Uni.createFrom().voidItem()
                    : memberships.ofContacts(List.copyOf(stored.keySet()))
                            .invoke(list -> list.forEach(m -> held.computeIfAbsent(
                                    new Contact.Key(m.key.accountId(), m.key.email()), k -> new ArrayList<>()).add(m)))
                            .replaceWithVoid();
            return members
                    .chain(() -> absent.isEmpty() ? Uni.createFrom().item(List.<Tombstone>of()) : tombstones.findAll(absentHashes))
                    .invoke(list -> list.forEach(t -> deleted.put(t.keyHash, t)))
                    .invoke(() -> {
                        for (int i = 0; i < keys.size(); i++) {
                            Contact.Key key = keys.get(i);
                            states.put(key, new State(key, stored.get(key), held.getOrDefault(key, List.of()),
                                    deleted.get(hashes.get(i))));
                        }
                    })
                    .replaceWithVoid();
        }

        State state(SegmentEvent e) {
            return states.get(new Contact.Key(e.accountId(), e.email()));
        }

        Uni<Map<String, SyncedView.Definition>> definitions(String accountId) {
            Map<String, SyncedView.Definition> read = definitions.get(accountId);
            if (read != null) {
                return Uni.createFrom().item(read);
            }
            return segments.lockDefinitionsForRead(accountId)
                    .chain(() -> fanouts.firstEnablesRunning(accountId))
                    .invoke(running -> firstEnables.put(accountId, running))
                    .chain(() -> segments.definitions(accountId))
                    .invoke(d -> definitions.put(accountId, d));
        }

        /**
         * The net result of the events, for one statement: memberships gone deleted (a contact deleted for
         * good takes its own with it), contacts gone deleted, contacts changed upserted, new memberships
         * upserted (one re-entered replaces the stored row, which is then not deleted: the lists stay
         * disjoint), tombstones changed upserted and those gone deleted; then the changes, in event order.
         */
        IngestRepository.Writes writes() {
            List<Membership.Key> membershipsGone = new ArrayList<>();
            List<Contact.Key> contactsGone = new ArrayList<>();
            List<Contact> contactsChanged = new ArrayList<>();
            List<Membership> membershipsNew = new ArrayList<>();
            List<Tombstone> tombstonesChanged = new ArrayList<>();
            List<String> tombstonesGone = new ArrayList<>();
            for (State s : states.values()) {
                boolean deletedForGood = s.contact == null && s.storedContact != null;
                Set<Membership> stored = Collections.newSetFromMap(new IdentityHashMap<>());
                stored.addAll(s.storedMemberships);
                Set<String> written = new HashSet<>();
                for (Membership m : s.memberships) {
                    if (!stored.contains(m)) {
                        membershipsNew.add(m);
                        written.add(m.key.segmentId());
                    }
                }
                Set<Membership> now = Collections.newSetFromMap(new IdentityHashMap<>());
                now.addAll(s.memberships);
                for (Membership m : s.storedMemberships) {
                    if (!now.contains(m) && !deletedForGood && !written.contains(m.key.segmentId())) {
                        membershipsGone.add(m.key);
                    }
                }
                if (deletedForGood) {
                    contactsGone.add(s.key);
                } else if (s.contact != null && s.contactChanged) {
                    contactsChanged.add(s.contact);
                }
                if (s.tombstone == null && s.storedTombstone != null) {
                    tombstonesGone.add(s.storedTombstone.keyHash);
                } else if (s.tombstone != null && s.tombstoneChanged) {
                    tombstonesChanged.add(s.tombstone);
                }
            }
            return new IngestRepository.Writes(membershipsGone, contactsGone, contactsChanged, membershipsNew,
                    tombstonesChanged, tombstonesGone, out);
        }

        void countChanges() {
            out.stream().collect(Collectors.groupingBy(MembershipChange::type, Collectors.counting()))
                    .forEach((t, n) -> metrics.changes(t, n.intValue()));
        }
    }

    /** One event, against its contact's state in the batch: the per-event logic, writing nothing yet. */
    private Uni<Result> applyInMemory(SegmentEvent e, Batch batch) {
        State s = batch.state(e);
        Instant now = Instant.now();
        if (s.contact != null) {
            return e.observedAt().isBefore(s.contact.observedAt)
                    ? Uni.createFrom().item(Result.STALE)
                    : applyToContact(s, e, now, batch);
        }
        Tombstone tombstone = s.tombstone;
        // A deletion wins a tie: an event observed at the deletion instant does not resurrect.
        if (tombstone != null && !e.observedAt().isAfter(tombstone.deletedAt)) {
            return Uni.createFrom().item(Result.STALE);
        }
        if (e.form() == SegmentEvent.Form.DELETION) {
            // Unknown (or already deleted) contact: record the deletion so an older late event stays out.
            Tombstone t = tombstone != null ? tombstone : newTombstone(s.hash, e.accountId(), 0);
            t.deletedAt = stored(e.observedAt());
            s.tombstone = t;
            s.tombstoneChanged = true;
            return Uni.createFrom().item(Result.APPLIED);
        }
        // Re-added after deletion: starts afresh, versions continue above the deleted ones.
        long baseVersion = tombstone == null ? 0 : tombstone.version;
        s.contact = Contact.create(e.accountId(), e.email(), stored(e.observedAt()), baseVersion, now);
        s.memberships = new ArrayList<>();
        s.tombstone = null;
        return applyToContact(s, e, now, batch);
    }

    private Uni<Result> applyToContact(State s, SegmentEvent e, Instant now, Batch batch) {
        Contact contact = s.contact;
        String accountId = contact.key.accountId();
        String email = contact.key.email();
        contact.observedAt = stored(e.observedAt());
        contact.updatedAt = now;
        s.contactChanged = true;
        if (e.form() == SegmentEvent.Form.DELETION) {
            List<SegmentRef> before = view(contact);
            ChangeDerivation.derive(before, List.of(), true).ifPresent(t -> batch.out.add(ChangeFactory.change(t, accountId,
                    email, ++contact.version, before, List.of(), ChangeCause.of(ChangeCause.Kind.DELETION, null), now)));
            Tombstone t = newTombstone(s.hash, accountId, contact.version);
            t.deletedAt = contact.observedAt;
            // Privacy: no membership row and no email survive a deletion, only the tombstone.
            s.memberships = new ArrayList<>();
            s.contact = null;
            s.tombstone = t;
            s.tombstoneChanged = true;
            return Uni.createFrom().item(Result.APPLIED);
        }
        Set<String> held = s.memberships.stream().map(m -> m.key.segmentId()).collect(Collectors.toSet());
        MembershipPlan plan = MembershipPlan.of(held, e);
        List<Membership> kept = new ArrayList<>();
        for (Membership m : s.memberships) {
            if (!plan.toRemove().contains(m.key.segmentId())) {
                kept.add(m);
            }
        }
        for (String segmentId : plan.toAdd()) {
            kept.add(Membership.of(accountId, email, segmentId, ++contact.entrySeq, now));
        }
        s.memberships = kept;
        List<SyncedView.Entry> after = kept.stream().map(Membership::entry).toList();
        return batch.definitions(accountId)
                .call(defs -> afterDefinitionsRead.apply(e))
                .invoke(defs -> {
                    List<SegmentRef> view = SyncedView.of(after, defs);
                    Map<String, ChangeCause> running = batch.firstEnables.get(accountId);
                    // The stored view is parsed again only while a first enable runs (reconcile parses it anyway).
                    ChangeCause cause = running.isEmpty() ? ChangeCause.membership()
                            : MembershipCause.of(view(contact), view, running);
                    reconcile(contact, view, cause, false, now).ifPresent(batch.out::add);
                })
                .replaceWith(Result.APPLIED);
    }

    /** An instant as the database keeps it (microseconds), so a later event of the poll compares with what is stored. */
    private static Instant stored(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
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
