package com.nosto.klaviyo.emulator;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Klaviyo account, reached with one private API key. State is isolated per key. All methods are thread-safe
 * (they lock the account), so tests can inspect while the HTTP side serves.
 *
 * <p>Besides inspection, tests change the account the way a merchant's hand edits or Klaviyo itself would (members
 * removed or added, properties edited, profiles deleted or merged, lists renamed, deleted or created again with the
 * same name): none of these go through the API, so none is in the call log or uses the rate limits.
 */
public final class EmulatedAccount {

    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final String apiKey;
    private final String accountId;
    private final Clock clock;
    final Map<String, ListState> lists = new LinkedHashMap<>();
    final Map<String, ProfileState> profiles = new LinkedHashMap<>();
    private final EmailIndex emails = new EmailIndex();
    private long profileSeq;
    private long listSeq;
    final Map<String, JobState> jobs = new LinkedHashMap<>();
    final List<ConsentEvent> consent = new ArrayList<>();
    final List<String> deletionRequests = new ArrayList<>();

    EmulatedAccount(String apiKey, Clock clock) {
        this.apiKey = apiKey;
        this.clock = clock;
        StringBuilder id = new StringBuilder();
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 6; i++) {
            id.append(ID_CHARS.charAt(random.nextInt(ID_CHARS.length())));
        }
        this.accountId = id.toString();
    }

    /** The key the account was registered with (further keys: {@link KlaviyoEmulator#addKey}). */
    public String apiKey() {
        return apiKey;
    }

    /** The Klaviyo account id (six characters, as Klaviyo's; also its public API key), what get_accounts answers. */
    public String accountId() {
        return accountId;
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

    /** Every list with this exact name, oldest first (Klaviyo allows duplicate names). */
    public synchronized List<KlaviyoList> listsByName(String name) {
        return lists.values().stream().filter(l -> l.name.equals(name)).map(ListState::snapshot).toList();
    }

    public synchronized Optional<KlaviyoList> list(String listId) {
        return Optional.ofNullable(lists.get(listId)).map(ListState::snapshot);
    }

    /** Member profile ids in join order; empty if the list does not exist. */
    public synchronized List<String> listMemberIds(String listId) {
        ListState l = lists.get(listId);
        return l == null ? List.of() : List.copyOf(l.members.ids());
    }

    /** How many profiles the list holds (0 if it does not exist), without copying them: cheap to poll at 1,000,000. */
    public synchronized int listMemberCount(String listId) {
        ListState l = lists.get(listId);
        return l == null ? 0 : l.members.size();
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

    /** Request bodies of data-privacy-deletion-jobs received through the API, in order. */
    public synchronized List<String> deletionRequests() {
        return List.copyOf(deletionRequests);
    }

    // ---- what a merchant or Klaviyo does to the account (for tests, demos and drills) ----

    /** Creates a list (as the merchant would in the UI), bypassing rate limits and the daily cap; names may repeat. */
    public synchronized KlaviyoList seedList(String name) {
        return createList(name, null).snapshot();
    }

    /** The merchant renames a list. */
    public synchronized KlaviyoList renameList(String listId, String name) {
        ListState l = requireList(listId);
        l.name = name;
        l.updated = now();
        return l.snapshot();
    }

    /** The merchant deletes a list in Klaviyo's UI: its memberships go with it; its profiles stay. */
    public synchronized boolean deleteList(String listId) {
        return lists.remove(listId) != null;
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
        addMembers(listId, List.of(profileId));
    }

    /**
     * The merchant adds existing profiles to a list by hand; a profile already on it stays where it is.
     *
     * @return how many joined
     */
    public synchronized int addMembers(String listId, Collection<String> profileIds) {
        ListState l = requireList(listId);
        profileIds.forEach(this::requireProfile);
        int added = 0;
        for (String id : profileIds) {
            added += l.members.add(id, now()) ? 1 : 0;
        }
        return added;
    }

    /**
     * The merchant removes members from a list by hand; ids that are not members are ignored.
     *
     * @return how many left
     */
    public synchronized int removeMembers(String listId, Collection<String> profileIds) {
        ListState l = requireList(listId);
        int removed = 0;
        for (String id : profileIds) {
            removed += l.members.remove(id) ? 1 : 0;
        }
        return removed;
    }

    /** The merchant edits a profile's custom properties by hand: sets some, removes others. */
    public synchronized Profile editProperties(String profileId, Map<String, ?> set, Collection<String> unset) {
        ProfileState p = requireProfile(profileId);
        set.forEach((k, v) -> p.properties.put(k, Json.MAPPER.convertValue(v, Object.class)));
        unset.forEach(p.properties::remove);
        p.updated = now();
        return p.snapshot();
    }

    /**
     * A privacy request deletes a profile: the profile and its list memberships vanish and its id is unknown from
     * then on (404). Unlike the API's deletion job, this is not recorded in {@link #deletionRequests()}, which holds
     * what the sync asked for.
     */
    public synchronized boolean deleteProfile(String profileId) {
        ProfileState p = profiles.get(profileId);
        if (p == null) {
            return false;
        }
        remove(p);
        return true;
    }

    /**
     * Klaviyo merges {@code sourceId} into {@code destinationId} (merge_profiles; the spec: merging "deletes the
     * source profile in the process"). The destination keeps its id, identifiers, attributes, properties and
     * consent, takes the attributes and properties it lacks from the source, and joins the source's lists it was
     * not on; the source id is unknown from then on (404), and its email finds no profile.
     */
    public synchronized Profile mergeProfiles(String sourceId, String destinationId) {
        ProfileState source = requireProfile(sourceId);
        ProfileState destination = requireProfile(destinationId);
        if (source == destination) {
            throw new IllegalArgumentException("A profile cannot be merged into itself");
        }
        source.properties.forEach(destination.properties::putIfAbsent);
        source.attributes.forEach((k, v) -> {
            if (!ProfileState.IDENTIFIERS.contains(k)) {
                destination.attributes.putIfAbsent(k, v);
            }
        });
        for (ListState l : lists.values()) {
            if (l.members.contains(source.id)) {
                l.members.add(destination.id, now());
            }
        }
        remove(source);
        destination.updated = now();
        return destination.snapshot();
    }

    private ListState requireList(String listId) {
        ListState l = lists.get(listId);
        if (l == null) {
            throw new IllegalArgumentException("Unknown list " + listId);
        }
        return l;
    }

    private ProfileState requireProfile(String profileId) {
        ProfileState p = profiles.get(profileId);
        if (p == null) {
            throw new IllegalArgumentException("Unknown profile " + profileId);
        }
        return p;
    }

    synchronized void clear() {
        lists.clear();
        profiles.clear();
        emails.clear();
        jobs.clear();
        consent.clear();
        deletionRequests.clear();
    }

    // ---- operations used by the HTTP layer (caller holds the lock) ----

    ListState createList(String name, String optInProcess) {
        ListState l;
        do {
            l = new ListState(Ids.listId(), listSeq, name, optInProcess, now());
        } while (lists.containsKey(l.id));
        listSeq++;
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
            emails.remove(p, before, profiles.values());
        }
        if (after != null && profiles.get(p.id) == p) {
            emails.add(p, after);
        }
    }

    ProfileState byEmail(String email) {
        return email == null ? null : emails.find(Faults.normalize(email), profiles.values());
    }

    /** See {@link EmailIndex#findAll}: null when the caller should scan. */
    List<ProfileState> byEmails(Collection<String> emails) {
        return this.emails.findAll(emails);
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

    /** Removes a profile everywhere: the account, the email index, every list. */
    void remove(ProfileState p) {
        if (profiles.remove(p.id) != null && p.email() != null) {
            emails.remove(p, p.email(), profiles.values());
        }
        for (ListState l : lists.values()) {
            l.members.remove(p.id);
        }
    }

    Collection<ProfileState> allProfiles() {
        return profiles.values();
    }
}
