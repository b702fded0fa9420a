package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.domain.SegmentRules;
import com.nosto.klaviyo.segment.domain.SyncPreview;
import com.nosto.klaviyo.segment.repository.FanoutJobRepository;
import com.nosto.klaviyo.segment.repository.MemberCountRepository;
import com.nosto.klaviyo.segment.repository.SegmentRepository;
import com.nosto.klaviyo.segment.repository.entity.FanoutJob;
import com.nosto.klaviyo.segment.repository.entity.Segment;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * An account's segments: define or rename, switch sync, list, resync. A change that affects what downstream sees (sync
 * switched, a synced segment renamed, a resync) commits together with a fan-out job, which {@link FanoutService} works
 * through page by page. A switch or rename takes the account's definitions lock exclusively before reading the
 * segment, so events applying under the old definitions commit before its fan-out reads the members.
 */
@ApplicationScoped
public class SegmentService {

    /**
     * A segment as the API shows it.
     *
     * @param fanningOut true while a switch, rename or resync of this segment is still being fanned out to its members
     *                   (an event that reaches a member meanwhile carries a first enable's short window)
     */
    public record SegmentSummary(String segmentId, String name, boolean syncEnabled, Instant firstEnabledAt, long memberCount,
            boolean fanningOut) {
        static SegmentSummary of(Segment s, long members, boolean fanningOut) {
            return new SegmentSummary(s.key.segmentId(), s.name, s.syncEnabled, s.firstEnabledAt, members, fanningOut);
        }
    }

    private final SegmentRepository segments;
    private final MemberCountRepository counts;
    private final FanoutJobRepository jobs;
    private final SegmentServiceConfig config;
    private final Clock clock;

    public SegmentService(SegmentRepository segments, MemberCountRepository counts, FanoutJobRepository jobs,
            SegmentServiceConfig config, Clock clock) {
        this.segments = segments;
        this.counts = counts;
        this.jobs = jobs;
        this.config = config;
        this.clock = clock;
    }

    /** Defines the segment or renames it (a synced segment's rename fans out to every member). */
    public Uni<SegmentSummary> define(String accountId, String segmentId, String name) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("name is required");
        }
        if (trimmed.length() > config.ingest().maxSegmentNameLength()) {
            throw new IllegalArgumentException("name is longer than " + config.ingest().maxSegmentNameLength() + " characters");
        }
        if (segmentId.isBlank() || segmentId.length() > config.ingest().maxSegmentIdLength()) {
            throw new IllegalArgumentException("segmentId must be 1-" + config.ingest().maxSegmentIdLength() + " characters");
        }
        Instant now = clock.instant();
        return Panache.withTransaction(() -> segments.lockDefinitionsForChange(accountId)
                .chain(() -> segments.findById(new Segment.Key(accountId, segmentId)))
                .chain(existing -> {
                    if (existing == null) {
                        return segments.persist(Segment.create(accountId, segmentId, trimmed, now));
                    }
                    var fanout = SegmentRules.rename(existing.name, trimmed, existing.syncEnabled);
                    existing.name = trimmed;
                    existing.updatedAt = now;
                    return fanout.isEmpty() ? Uni.createFrom().item(existing)
                            : jobs.persist(FanoutJob.of(accountId, segmentId, fanout.get().kind(), false, now)).replaceWith(existing);
                })
                .chain(s -> summary(s)));
    }

    /** Switches sync; null when the segment is not defined. Repeating the current state changes nothing. */
    public Uni<SegmentSummary> switchSync(String accountId, String segmentId, boolean enable) {
        Instant now = clock.instant();
        return Panache.withTransaction(() -> segments.lockDefinitionsForChange(accountId)
                .chain(() -> segments.findById(new Segment.Key(accountId, segmentId)))
                .chain(s -> {
                    if (s == null) {
                        return Uni.createFrom().nullItem();
                    }
                    var fanout = SegmentRules.switchSync(s.syncEnabled, s.firstEnabledAt, enable);
                    if (fanout.isEmpty()) {
                        return summary(s);
                    }
                    s.syncEnabled = enable;
                    s.updatedAt = now;
                    if (fanout.get().firstEnable()) {
                        s.firstEnabledAt = now;
                    }
                    return jobs.persist(FanoutJob.of(accountId, segmentId, fanout.get().kind(), fanout.get().firstEnable(), now))
                            .chain(() -> summary(s));
                }));
    }

    /**
     * What switching the segment's sync to {@code enable} would do in Klaviyo (nothing is changed); null when the
     * segment is not defined. Reads the members as they are now: events arriving before the switch can still move it.
     */
    public Uni<SyncPreview> previewSync(String accountId, String segmentId, boolean enable) {
        return Panache.withSession(() -> segments.findById(new Segment.Key(accountId, segmentId)).chain(s -> s == null
                ? Uni.createFrom().nullItem()
                : counts.withOtherSyncedSegments(accountId, segmentId).map(n ->
                        SyncPreview.of(segmentId, s.syncEnabled, s.firstEnabledAt, enable, n[0], n[1]))));
    }

    /** The account's defined segments with their member counts, by segment id. */
    public Uni<List<SegmentSummary>> list(String accountId) {
        return Panache.withSession(() -> segments.listByAccount(accountId).chain(list -> counts.ofAccount(accountId)
                .chain(members -> jobs.segmentsFanningOut(accountId).map(running -> list.stream()
                        .map(s -> SegmentSummary.of(s, members.getOrDefault(s.key.segmentId(), 0L), running.contains(s.key.segmentId())))
                        .toList()))));
    }

    /** Starts a resync of the account: every contact's current synced state is emitted again (cause RESYNC). */
    public Uni<Long> resync(String accountId) {
        return Panache.withTransaction(() -> jobs.persist(FanoutJob.of(accountId, null, ChangeCause.Kind.RESYNC, false, clock.instant())))
                .map(job -> job.id);
    }

    private Uni<SegmentSummary> summary(Segment s) {
        return counts.of(s.key.accountId(), s.key.segmentId()).chain(n -> jobs.segmentsFanningOut(s.key.accountId())
                .map(running -> SegmentSummary.of(s, n, running.contains(s.key.segmentId()))));
    }
}
