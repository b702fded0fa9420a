package com.nosto.klaviyo.segment.service;

import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.domain.Contact;
import com.nosto.klaviyo.segment.domain.FanoutJob;
import com.nosto.klaviyo.segment.repository.ContactRepository;
import com.nosto.klaviyo.segment.repository.FanoutJobRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Works through fan-out jobs (sync switched on/off, rename, resync) one page of members a
 * transaction: lock the page's contacts, reconcile each, append the changes to the outbox, advance
 * the job's cursor, commit. Memory holds one page whatever the segment's size; a crash resumes at
 * the cursor and re-reconciling a contact already done emits nothing (its view is unchanged).
 */
@ApplicationScoped
public class FanoutService {

    private static final Logger LOG = Logger.getLogger(FanoutService.class);

    @Inject
    FanoutJobRepository jobs;
    @Inject
    ContactRepository contacts;
    @Inject
    MembershipService membership;
    @Inject
    SegmentServiceConfig config;
    @Inject
    SegmentMetrics metrics;

    private ScheduledExecutorService executor;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    void start(@Observes StartupEvent ignored) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "fanout-worker"));
        long every = config.fanout().pollInterval().toMillis();
        executor.scheduleWithFixedDelay(this::runSafely, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Starts work now rather than at the next poll (called after a job is committed). */
    public void kick() {
        if (executor != null && scheduled.compareAndSet(false, true)) {
            executor.execute(() -> {
                scheduled.set(false);
                runSafely();
            });
        }
    }

    private void runSafely() {
        try {
            while (VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(this::processOnePage))) {
                // keep going while there is work
            }
        } catch (Throwable e) {
            // The page rolled back; its job and cursor are unchanged and the next poll retries it.
            if (!executor.isShutdown()) {
                LOG.warn("Fan-out page failed; will retry", e);
            }
        }
    }

    /** One page of the oldest unclaimed job; false when there is no job. */
    Uni<Boolean> processOnePage() {
        return jobs.claimNext().chain(job -> {
            if (job == null) {
                return Uni.createFrom().item(false);
            }
            int size = config.fanout().pageSize();
            Uni<List<Contact>> page = contacts.lockPage(job.accountId, job.segmentId, job.cursorEmail, size);
            return page.chain(list -> membership.reconcilePage(job.accountId, list, job.changeCause()).chain(emitted -> {
                metrics.fanoutPage(list.size());
                LOG.debugf("Fan-out %s page: %s contacts, %s changes", job.id, Integer.valueOf(list.size()), emitted);
                job.processed += list.size();
                if (!list.isEmpty()) {
                    job.cursorEmail = list.get(list.size() - 1).key.email();
                }
                if (list.size() < size) {
                    LOG.infof("Fan-out %d (%s %s/%s) done: %d contacts visited in %d ms", job.id, job.cause, job.accountId,
                            job.segmentId, job.processed, java.time.Duration.between(job.createdAt, java.time.Instant.now()).toMillis());
                    return jobs.delete(job).replaceWith(true);
                }
                return Uni.createFrom().item(true);
            }));
        });
    }

    /** Creates a job in the caller's transaction; call {@link #kick()} after it commits. */
    public Uni<FanoutJob> enqueue(FanoutJob job) {
        return jobs.persist(job);
    }
}
