package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Events of one transaction applied in memory, one after another in the given order, to what was stored for their
 * contacts when the transaction began: each exactly as in a transaction of its own (stale check by observedAt,
 * tombstones, membership plan, synced view, change and version), each seeing what the ones before it left. Nothing is
 * written meanwhile; {@link #writes()} gives the net result for one statement.
 */
public final class IngestBatch {

    public enum Result { APPLIED, STALE }

    /** One contact: what was stored when the transaction began and what the events so far have made of it. */
    private static final class State {
        final Contact.Key key;
        /** Of account|email, computed when a tombstone is first written (SHA-256: not for every event). */
        private String hash;
        /** As read: null when none was stored. */
        final Contact storedContact;
        final List<Membership> storedMemberships;
        final Tombstone storedTombstone;
        /** Now: null when the contact does not exist (never stored, or deleted by an event). */
        Contact contact;
        /** Now, in no particular order (the view orders by entry): the stored objects kept, new ones added. */
        List<Membership> memberships;
        Tombstone tombstone;
        boolean contactChanged;
        boolean tombstoneChanged;

        State(Contact.Key key, Contact contact, List<Membership> memberships, Tombstone tombstone) {
            this.key = key;
            this.storedContact = contact;
            this.storedMemberships = memberships;
            this.storedTombstone = tombstone;
            this.contact = contact;
            this.memberships = new ArrayList<>(memberships);
            this.tombstone = tombstone;
        }

        String hash() {
            if (hash == null) {
                hash = storedTombstone != null ? storedTombstone.keyHash : Tombstone.hash(key.accountId(), key.email());
            }
            return hash;
        }
    }

    private final Map<Contact.Key, State> states = new LinkedHashMap<>();
    private final Map<String, AccountDefinitions> definitions;
    private final List<MembershipChange> changes = new ArrayList<>();
    /** The trace context of each change's event (parallel to {@link #changes}); null while no event had one. */
    private List<String> traces;

    /**
     * @param keys        every contact the events name, once each
     * @param contacts    those of them stored (a stored contact has no tombstone: re-adding deletes it)
     * @param memberships the stored contacts' memberships
     * @param tombstones  the tombstones of those not stored
     * @param definitions per account of the events, read under its definitions lock
     */
    public IngestBatch(List<Contact.Key> keys, List<Contact> contacts, List<Membership> memberships, List<Tombstone> tombstones,
            Map<String, AccountDefinitions> definitions) {
        this.definitions = definitions;
        Map<Contact.Key, Contact> stored = new HashMap<>();
        contacts.forEach(c -> stored.put(c.key, c));
        Map<Contact.Key, List<Membership>> held = new HashMap<>();
        memberships.forEach(m -> held.computeIfAbsent(new Contact.Key(m.key.accountId(), m.key.email()), k -> new ArrayList<>()).add(m));
        Map<String, Tombstone> deleted = new HashMap<>();
        tombstones.forEach(t -> deleted.put(t.keyHash, t));
        for (Contact.Key key : keys) {
            Contact contact = stored.get(key);
            // A stored contact has no tombstone: only the others' are looked up (hashing each key is not free).
            states.put(key, new State(key, contact, held.getOrDefault(key, List.of()),
                    contact != null || deleted.isEmpty() ? null : deleted.get(Tombstone.hash(key.accountId(), key.email()))));
        }
    }

    /** Applies one valid, normalised event of a contact given to the constructor. */
    public Result apply(SegmentEvent e, Instant now) {
        return apply(e, now, null);
    }

    /** As above; {@code trace} is the event's trace context (a traceparent), recorded with the changes it causes. */
    public Result apply(SegmentEvent e, Instant now, String trace) {
        int before = changes.size();
        Result result = applyEvent(e, now);
        if (trace != null && traces == null) {
            traces = new ArrayList<>(changes.size());
        }
        if (traces != null) {
            while (traces.size() < before) {
                traces.add(null);
            }
            while (traces.size() < changes.size()) {
                traces.add(trace);
            }
        }
        return result;
    }

    private Result applyEvent(SegmentEvent e, Instant now) {
        State s = states.get(new Contact.Key(e.accountId(), e.email()));
        if (s.contact != null) {
            if (e.observedAt().isBefore(s.contact.observedAt)) {
                return Result.STALE;
            }
            applyToContact(s, e, now);
            return Result.APPLIED;
        }
        Tombstone tombstone = s.tombstone;
        // A deletion wins a tie: an event observed at the deletion instant does not resurrect.
        if (tombstone != null && !e.observedAt().isAfter(tombstone.deletedAt)) {
            return Result.STALE;
        }
        if (e.form() == SegmentEvent.Form.DELETION) {
            // Unknown (or already deleted) contact: record the deletion so an older late event stays out.
            s.tombstone = Tombstone.of(s.hash(), e.accountId(), stored(e.observedAt()), tombstone == null ? 0 : tombstone.version);
            s.tombstoneChanged = true;
            return Result.APPLIED;
        }
        // Re-added after deletion: starts afresh, versions continue above the deleted ones.
        s.contact = Contact.create(e.accountId(), e.email(), stored(e.observedAt()), tombstone == null ? 0 : tombstone.version, now);
        s.memberships = new ArrayList<>();
        s.tombstone = null;
        applyToContact(s, e, now);
        return Result.APPLIED;
    }

    private void applyToContact(State s, SegmentEvent e, Instant now) {
        Contact contact = s.contact;
        String accountId = contact.key.accountId();
        contact.observedAt = stored(e.observedAt());
        contact.updatedAt = now;
        s.contactChanged = true;
        if (e.form() == SegmentEvent.Form.DELETION) {
            Reconciliation.delete(contact, ChangeCause.of(ChangeCause.Kind.DELETION, null), now).ifPresent(changes::add);
            // Privacy: no membership row and no email survive a deletion, only the tombstone.
            s.memberships = new ArrayList<>();
            s.contact = null;
            s.tombstone = Tombstone.of(s.hash(), accountId, contact.observedAt, contact.version);
            s.tombstoneChanged = true;
            return;
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
            kept.add(Membership.of(accountId, contact.key.email(), segmentId, ++contact.entrySeq, now));
        }
        s.memberships = kept;
        AccountDefinitions account = definitions.get(accountId);
        List<SegmentRef> view = SyncedView.of(kept.stream().map(Membership::entry).toList(), account.segments());
        // The stored view is parsed for the cause only while a first enable runs (reconcile parses it anyway).
        ChangeCause cause = account.firstEnables().isEmpty() ? ChangeCause.membership()
                : MembershipCause.of(contact.view(), view, account.firstEnables());
        Reconciliation.reconcile(contact, view, cause, false, now).ifPresent(changes::add);
    }

    /** An instant as the database keeps it (microseconds), so a later event of the batch compares with what is stored. */
    private static Instant stored(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    /** The changes so far, in event order. */
    public List<MembershipChange> changes() {
        return List.copyOf(changes);
    }

    /**
     * The net result of the events: memberships gone deleted (those of a contact deleted for good too: no foreign key
     * takes them with it),
     * contacts gone deleted, contacts changed upserted, new memberships upserted (one re-entered replaces the stored
     * row, which is then not deleted: the lists stay disjoint), tombstones changed upserted and those gone deleted,
     * each segment's member count moved by what joined and left it; then the changes, in event order.
     */
    public IngestWrites writes() {
        List<Membership.Key> membershipsGone = new ArrayList<>();
        List<Contact.Key> contactsGone = new ArrayList<>();
        List<Contact> contactsChanged = new ArrayList<>();
        List<Membership> membershipsNew = new ArrayList<>();
        List<Tombstone> tombstonesChanged = new ArrayList<>();
        List<String> tombstonesGone = new ArrayList<>();
        Map<List<String>, Long> counts = new TreeMap<>(Comparator.<List<String>, String>comparing(k -> k.get(0))
                .thenComparing(k -> k.get(1)));
        for (State s : states.values()) {
            boolean deletedForGood = s.contact == null && s.storedContact != null;
            Set<Membership> stored = Collections.newSetFromMap(new IdentityHashMap<>());
            stored.addAll(s.storedMemberships);
            Set<String> storedSegments = new HashSet<>();
            s.storedMemberships.forEach(m -> storedSegments.add(m.key.segmentId()));
            Set<String> written = new HashSet<>();
            for (Membership m : s.memberships) {
                if (!stored.contains(m)) {
                    membershipsNew.add(m);
                    written.add(m.key.segmentId());
                    if (!storedSegments.contains(m.key.segmentId())) {
                        counts.merge(List.of(m.key.accountId(), m.key.segmentId()), 1L, Long::sum);
                    }
                }
            }
            Set<Membership> now = Collections.newSetFromMap(new IdentityHashMap<>());
            now.addAll(s.memberships);
            for (Membership m : s.storedMemberships) {
                if (!now.contains(m) && !written.contains(m.key.segmentId())) {
                    counts.merge(List.of(m.key.accountId(), m.key.segmentId()), -1L, Long::sum);
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
        List<IngestWrites.MemberCount> memberCounts = new ArrayList<>();
        counts.forEach((key, delta) -> {
            if (delta != 0) {
                memberCounts.add(new IngestWrites.MemberCount(key.get(0), key.get(1), delta));
            }
        });
        List<String> changeTraces = null;
        if (traces != null) {
            changeTraces = new ArrayList<>(traces);
            while (changeTraces.size() < changes.size()) {
                changeTraces.add(null);
            }
        }
        return new IngestWrites(membershipsGone, contactsGone, contactsChanged, membershipsNew, tombstonesChanged,
                tombstonesGone, memberCounts, List.copyOf(changes), changeTraces == null ? null : Collections.unmodifiableList(changeTraces));
    }
}
