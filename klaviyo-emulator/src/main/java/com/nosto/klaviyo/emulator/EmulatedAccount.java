package com.nosto.klaviyo.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Klaviyo account, reached with one private API key. State is isolated per key. All methods are thread-safe
 * (they lock the account), so tests can inspect while the HTTP side serves.
 */
public final class EmulatedAccount {

    static final class ListState {
        final String id;
        String name;
        String optInProcess;
        final Instant created;
        Instant updated;
        /** profile id → joined_group_at, in join order. */
        final LinkedHashMap<String, Instant> members = new LinkedHashMap<>();

        ListState(String id, String name, String optInProcess, Instant now) {
            this.id = id;
            this.name = name;
            this.optInProcess = optInProcess;
            this.created = now;
            this.updated = now;
        }

        KlaviyoList snapshot() {
            return new KlaviyoList(id, name, optInProcess, created, updated);
        }
    }

    static final class JobState {
        final String id;
        String status = "queued";
        final Instant createdAt;
        Instant startedAt;
        Instant completedAt;
        /** The submitted profiles until the job completes; then dropped to free memory (the count stays). */
        final List<JsonNode> profiles;
        final int total;
        final String listId;
        /** Imported profile ids in import order (a set: a job of 10,000 checks each id against it). */
        final java.util.LinkedHashSet<String> profileIds = new java.util.LinkedHashSet<>();
        final List<BulkImportJob.ImportError> errors = new ArrayList<>();
        int completed;
        int failed;

        JobState(String id, Instant createdAt, List<JsonNode> profiles, String listId) {
            this.id = id;
            this.createdAt = createdAt;
            this.profiles = new ArrayList<>(profiles);
            this.total = profiles.size();
            this.listId = listId;
        }

        BulkImportJob snapshot() {
            return new BulkImportJob(id, status, total, completed, failed, listId, List.copyOf(profileIds), List.copyOf(errors),
                    createdAt, completedAt);
        }
    }

    private final String apiKey;
    private final Clock clock;
    final Map<String, ListState> lists = new LinkedHashMap<>();
    final Map<String, ProfileState> profiles = new LinkedHashMap<>();
    /**
     * Email → profile, as Klaviyo looks profiles up by email without reading them all (a bulk job of 10,000
     * upserts matches each one). An email held by more than one profile is left out and listed in
     * {@code sharedEmails}; those are found by scanning, as before the index existed.
     */
    private final Map<String, ProfileState> byEmailIndex = new HashMap<>();
    private final Map<String, Integer> sharedEmails = new HashMap<>();
    private long profileSeq;
    final Map<String, JobState> jobs = new LinkedHashMap<>();
    final List<ConsentEvent> consent = new ArrayList<>();
    final List<String> deletionRequests = new ArrayList<>();

    EmulatedAccount(String apiKey, Clock clock) {
        this.apiKey = apiKey;
        this.clock = clock;
    }

    public String apiKey() {
        return apiKey;
    }

    Instant now() {
        return clock.instant();
    }

    // ---- inspection (for tests) ----

    public synchronized List<KlaviyoList> lists() {
        return lists.values().stream().map(ListState::snapshot).toList();
    }

    /** The oldest list with this exact name. */
    public synchronized Optional<KlaviyoList> listByName(String name) {
        return lists.values().stream().filter(l -> l.name.equals(name)).findFirst().map(ListState::snapshot);
    }

    public synchronized Optional<KlaviyoList> list(String listId) {
        return Optional.ofNullable(lists.get(listId)).map(ListState::snapshot);
    }

    /** Simulates a merchant deleting the list in Klaviyo's UI. */
    public synchronized boolean deleteList(String listId) {
        return lists.remove(listId) != null;
    }

    /** Creates a list directly (as if the merchant made it), bypassing rate limits and the daily cap. */
    public synchronized KlaviyoList seedList(String name) {
        return createList(name, null).snapshot();
    }

    /** Member profile ids in join order; empty if the list does not exist. */
    public synchronized List<String> listMemberIds(String listId) {
        ListState l = lists.get(listId);
        return l == null ? List.of() : List.copyOf(l.members.keySet());
    }

    /** Member emails in join order (profiles without an email are left out). */
    public synchronized List<String> listMemberEmails(String listId) {
        return listMemberIds(listId).stream().map(profiles::get).filter(p -> p != null && p.email() != null).map(ProfileState::email).toList();
    }

    public synchronized List<Profile> profiles() {
        return profiles.values().stream().map(ProfileState::snapshot).toList();
    }

    public synchronized Optional<Profile> profile(String id) {
        return Optional.ofNullable(profiles.get(id)).map(ProfileState::snapshot);
    }

    /** Case-insensitive, trimmed, as Klaviyo matches emails. */
    public synchronized Optional<Profile> profileByEmail(String email) {
        return Optional.ofNullable(byEmail(email)).map(ProfileState::snapshot);
    }

    /** A pre-existing profile carrying the merchant's own properties (which the sync must never overwrite). */
    public synchronized Profile seedProfile(String email, Map<String, Object> properties) {
        if (byEmail(email) != null) {
            throw new IllegalStateException("A profile with email " + email + " exists already");
        }
        ProfileState p = newProfile();
        p.setEmail(email);
        p.properties.putAll(properties);
        return p.snapshot();
    }

    /** Adds a profile to a list directly, as a merchant's form would. */
    public synchronized void seedMembership(String listId, String profileId) {
        ListState l = lists.get(listId);
        if (l == null || !profiles.containsKey(profileId)) {
            throw new IllegalArgumentException("Unknown list or profile");
        }
        l.members.putIfAbsent(profileId, now());
    }

    /** Every subscription/suppression call and every consent field received. The sync must keep this empty. */
    public synchronized List<ConsentEvent> consentLog() {
        return List.copyOf(consent);
    }

    public synchronized List<BulkImportJob> bulkImportJobs() {
        return jobs.values().stream().map(JobState::snapshot).toList();
    }

    public synchronized Optional<BulkImportJob> bulkImportJob(String id) {
        return Optional.ofNullable(jobs.get(id)).map(JobState::snapshot);
    }

    /** Request bodies of data-privacy-deletion-jobs, in order. */
    public synchronized List<String> deletionRequests() {
        return List.copyOf(deletionRequests);
    }

    synchronized void clear() {
        lists.clear();
        profiles.clear();
        byEmailIndex.clear();
        sharedEmails.clear();
        jobs.clear();
        consent.clear();
        deletionRequests.clear();
    }

    // ---- operations used by the HTTP layer (caller holds the lock) ----

    ListState createList(String name, String optInProcess) {
        ListState l;
        do {
            l = new ListState(Ids.listId(), name, optInProcess, now());
        } while (lists.containsKey(l.id));
        lists.put(l.id, l);
        return l;
    }

    ProfileState newProfile() {
        Instant now = now();
        ProfileState p = new ProfileState(Ids.profileId(now.toEpochMilli()), profileSeq++, now, this::emailChanged);
        profiles.put(p.id, p);
        return p;
    }

    /** Keeps the email index in step with a profile's email (caller holds the lock). */
    private void emailChanged(ProfileState p, String before, String after) {
        if (before != null) {
            unindex(p, before);
        }
        if (after != null && profiles.get(p.id) == p) {
            index(p, after);
        }
    }

    private void index(ProfileState p, String email) {
        Integer shared = sharedEmails.get(email);
        if (shared != null) {
            sharedEmails.put(email, shared + 1);
            return;
        }
        ProfileState other = byEmailIndex.putIfAbsent(email, p);
        if (other != null && other != p) {
            byEmailIndex.remove(email);
            sharedEmails.put(email, 2);
        }
    }

    private void unindex(ProfileState p, String email) {
        Integer shared = sharedEmails.get(email);
        if (shared == null) {
            byEmailIndex.remove(email, p);
            return;
        }
        if (shared > 2) {
            sharedEmails.put(email, shared - 1);
            return;
        }
        // One holder is left: find it and index it again.
        sharedEmails.remove(email);
        for (ProfileState q : profiles.values()) {
            if (q != p && email.equals(q.email())) {
                byEmailIndex.put(email, q);
                return;
            }
        }
    }

    ProfileState byEmail(String email) {
        if (email == null) {
            return null;
        }
        String n = Faults.normalize(email);
        if (!sharedEmails.containsKey(n)) {
            return byEmailIndex.get(n);
        }
        for (ProfileState p : profiles.values()) {
            if (n.equals(p.email())) {
                return p;
            }
        }
        return null;
    }

    /**
     * The profiles holding any of these emails, in the account's order; null when the index cannot answer
     * exactly (an email held by several profiles, or non-ASCII, where case-insensitive matching is not plain
     * lower-casing) and the caller should scan.
     */
    List<ProfileState> byEmails(Collection<String> emails) {
        java.util.Set<ProfileState> found = new java.util.HashSet<>();
        for (String email : emails) {
            if (email == null || !email.chars().allMatch(ch -> ch < 128)) {
                return null;
            }
            String n = Faults.normalize(email);
            if (sharedEmails.containsKey(n)) {
                return null;
            }
            ProfileState p = byEmailIndex.get(n);
            if (p != null) {
                found.add(p);
            }
        }
        return found.stream().sorted(java.util.Comparator.comparingLong(p -> p.seq)).toList();
    }

    ProfileState byField(String field, String value) {
        if (value == null) {
            return null;
        }
        if ("email".equals(field)) {
            return byEmail(value);
        }
        for (ProfileState p : profiles.values()) {
            if (value.equals(p.attributes.get(field))) {
                return p;
            }
        }
        return null;
    }

    void recordConsent(String operationId, String what, String body) {
        consent.add(new ConsentEvent(now(), operationId, what, body));
    }

    /** Removes a profile everywhere (data-privacy deletion). */
    void deleteProfile(ProfileState p) {
        if (profiles.remove(p.id) != null && p.email() != null) {
            unindex(p, p.email());
        }
        for (ListState l : lists.values()) {
            l.members.remove(p.id);
        }
    }

    Collection<ProfileState> allProfiles() {
        return profiles.values();
    }

    static ObjectNode emptyObject() {
        return Json.MAPPER.createObjectNode();
    }
}
