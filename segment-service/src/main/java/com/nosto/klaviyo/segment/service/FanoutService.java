package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.common.logging.LogContext;
import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.domain.Contact;
import com.nosto.klaviyo.segment.domain.FanoutPage;
import com.nosto.klaviyo.segment.repository.ContactRepository;
import com.nosto.klaviyo.segment.repository.FanoutJobRepository;
import com.nosto.klaviyo.segment.repository.MembershipRepository;
import com.nosto.klaviyo.segment.repository.OutboxRepository;
import com.nosto.klaviyo.segment.repository.SegmentRepository;
import com.nosto.klaviyo.segment.repository.entity.FanoutJob;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Works through fan-out jobs (sync switched on/off, rename, resync) one page of members a transaction: claim the job,
 * lock the page's contacts, reconcile them ({@link FanoutPage}), write their versions back, append their changes to the
 * outbox as one row, advance the job's cursor, commit. Memory holds one page whatever the segment's size; a crash
 * resumes at the committed cursor, and re-reconciling a contact already done emits nothing.
 *
 * <p>Replicas: runs on every replica, every {@code fanout.poll-interval}. A page's transaction holds its job's row lock
 * ({@code FOR UPDATE SKIP LOCKED}), and only an account's oldest job can be claimed, so one runner works on an account
 * at a time, its jobs in order, while other replicas take other accounts; when a runner dies its transaction rolls back
 * and the next claim, on any replica, resumes at the cursor.
 */
@ApplicationScoped
public class FanoutService {

    static final String WORK = "fanout";
    private static final Logger LOG = Logger.getLogger(FanoutService.class);

    private final FanoutJobRepository jobs;
    private final ContactRepository contacts;
    private final MembershipRepository memberships;
    private final SegmentRepository segments;
    private final OutboxRepository outbox;
    private final SegmentServiceConfig config;
    private final SegmentMetrics metrics;
    private final Outages outages;
    private final Clock clock;

    public FanoutService(FanoutJobRepository jobs, ContactRepository contacts, MembershipRepository memberships,
            SegmentRepository segments, OutboxRepository outbox, SegmentServiceConfig config, SegmentMetrics metrics,
            Outages outages, Clock clock) {
        this.jobs = jobs;
        this.contacts = contacts;
        this.memberships = memberships;
        this.segments = segments;
        this.outbox = outbox;
        this.config = config;
        this.metrics = metrics;
        this.outages = outages;
        this.clock = clock;
    }

    @Scheduled(identity = WORK, every = "${segment-service.fanout.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return runPages()
                .invoke(() -> outages.recovered(WORK))
                .onFailure().invoke(e -> outages.failed(WORK, e))
                .onFailure().recoverWithNull();
    }

    /** Pages, one transaction each, until no job is free. */
    public Uni<Void> runPages() {
        return Multi.createBy().repeating().uni(() -> page()).whilst(Boolean::booleanValue).collect().last().replaceWithVoid();
    }

    /** One page of the next free job, in its own transaction; false when no job is free. */
    public Uni<Boolean> page() {
        return Panache.withTransaction(() -> jobs.claimNext().chain(job -> job == null ? Uni.createFrom().item(false) : page(job)));
    }

    private Uni<Boolean> page(FanoutJob job) {
        int size = config.fanout().pageSize();
        return contacts.lockPage(job.accountId, job.segmentId, job.cursorEmail, size)
                .chain(page -> reconcile(job, page).chain(emitted -> {
                    metrics.fanoutPage(page.size());
                    job.processed += page.size();
                    if (!page.isEmpty()) {
                        job.cursorEmail = page.get(page.size() - 1).key.email();
                    }
                    if (page.size() < size) {
                        LogContext.account(job.accountId).run(() -> LOG.infof("Fan-out %d (%s %s/%s) done: %d contacts visited in"
                                + " %d ms", job.id, job.cause, job.accountId, job.segmentId, job.processed,
                                Duration.between(job.createdAt, clock.instant()).toMillis()));
                        return jobs.delete(job).replaceWith(true);
                    }
                    return Uni.createFrom().item(true);
                }));
    }

    /** Reconciles a page of locked contacts, writes back those that changed and appends their changes to the outbox. */
    private Uni<Integer> reconcile(FanoutJob job, List<Contact> page) {
        if (page.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<String> emails = page.stream().map(c -> c.key.email()).toList();
        Instant now = clock.instant();
        return memberships.entriesOf(job.accountId, emails)
                .chain(entries -> segments.definitions(job.accountId)
                        .map(definitions -> FanoutPage.reconcile(page, entries, definitions, job.changeCause(), now)))
                .chain(result -> contacts.updateVersions(job.accountId, result.changed(), emails.get(0), emails.get(emails.size() - 1))
                        .chain(() -> outbox.append(result.changes()))
                        .invoke(() -> result.changes().stream().collect(Collectors.groupingBy(MembershipChange::type,
                                Collectors.counting())).forEach((type, n) -> metrics.changes(type, n.intValue())))
                        .replaceWith(result.changes().size()));
    }
}
