package com.nosto.klaviyo.segment.domain;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentRef;
import java.time.Instant;
import java.util.List;

/**
 * A contact's stored state: freshness guard, last emitted version and the synced view downstream last received. Read
 * and written as plain rows (repository), changed by the pure rules of this package.
 */
public final class Contact {

    public record Key(String accountId, String email) {
    }

    public Key key;
    /** observedAt of the newest event applied; older events are stale. */
    public Instant observedAt;
    /** Version of the last change emitted for this contact (0: none yet); see {@link Versions}. */
    public long version;
    /** Last entry sequence handed out; orders this contact's memberships by entry. */
    public long entrySeq;
    /** JSON array of SegmentRef: the synced view in the last emitted change. */
    public String syncedView;
    public Instant updatedAt;

    public static Contact create(String accountId, String email, Instant observedAt, long version, Instant now) {
        Contact c = new Contact();
        c.key = new Key(accountId, email);
        c.observedAt = observedAt;
        c.version = version;
        c.syncedView = "[]";
        c.updatedAt = now;
        return c;
    }

    /** The synced view downstream last received. */
    public List<SegmentRef> view() {
        return List.of(EventJson.read(syncedView, SegmentRef[].class));
    }

    public static String json(List<SegmentRef> view) {
        return EventJson.write(view);
    }
}
