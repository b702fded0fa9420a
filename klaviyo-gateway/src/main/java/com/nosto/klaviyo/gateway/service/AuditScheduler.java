package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.domain.AuditSchedule;
import com.nosto.klaviyo.gateway.repository.AuditReadRepository;
import com.nosto.klaviyo.gateway.repository.AuditRepository;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * The scheduled audit ({@code gateway.audit.interval}; off when absent). Every replica looks each {@code tick} for
 * connected accounts whose due time ({@link AuditSchedule}: spread over the interval by a hash of the account id) passed
 * since their last audit, and audits them one after the other. Who runs one: the replica that takes the account's lease
 * and, under it, still finds it due; the others skip it (a lease held elsewhere is tried again at the next tick).
 * <p>
 * Schedule or not, each tick first goes on with audits interrupted mid-read ({@code audit_read}: a restart, an outage, a
 * lost lease), each under the account's lease like any audit, after dropping those older than
 * {@code gateway.audit.resume-within}; a read being made now on another replica is skipped, its lease being held.
 */
@ApplicationScoped
public class AuditScheduler {

    private static final Logger LOG = Logger.getLogger(AuditScheduler.class);
    static final String WORK = "klaviyo-gateway scheduled audit";

    private final AuditService audits;
    private final AuditRepository repository;
    private final AuditReadRepository reads;
    private final Duration resumeWithin;
    private final Outages outages;
    private final AuditSchedule schedule;
    private final boolean repair;

    public AuditScheduler(AuditService audits, AuditRepository repository, AuditReadRepository reads, Outages outages,
            GatewayConfig config) {
        this.audits = audits;
        this.repository = repository;
        this.reads = reads;
        this.resumeWithin = config.audit().resumeWithin();
        this.outages = outages;
        this.schedule = config.audit().interval().map(AuditSchedule::new).orElse(null);
        this.repair = config.audit().repair();
    }

    @Scheduled(every = "${gateway.audit.tick:1m}", delayed = "${gateway.audit.tick:1m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public Uni<Void> tick() {
        Instant now = Instant.now();
        Uni<Void> resumed = reads.dropStale(now.minus(resumeWithin))
                .chain(reads::interrupted)
                .onItem().transformToMulti(all -> Multi.createFrom().iterable(all))
                .onItem().transformToUniAndConcatenate(r -> forgiving(r.accountId(), "interrupted audit",
                        audits.resumeInterrupted(r.accountId())))
                .collect().last().replaceWithVoid();
        Uni<Void> scheduled = schedule == null ? Uni.createFrom().voidItem() : repository.connected()
                .onItem().transformToMulti(all -> Multi.createFrom().iterable(all))
                .select().where(a -> schedule.due(a.accountId(), now, a.connectedAt(), a.lastAudit()))
                .onItem().transformToUniAndConcatenate(a -> forgiving(a.accountId(), "scheduled audit",
                        audits.auditIfDue(a.accountId(), schedule.lastDue(a.accountId(), now), repair)))
                .collect().last().replaceWithVoid();
        return resumed.chain(() -> scheduled)
                .invoke(x -> outages.recovered(WORK))
                .onFailure().invoke(e -> outages.failed(WORK, e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** One account's audit whose failure (of that account: Klaviyo, its key) is logged and left to the next tick. */
    private static <T> Uni<T> forgiving(String accountId, String what, Uni<T> audit) {
        return audit.onFailure(AuditScheduler::isAccountProblem).recoverWithItem(e -> {
            LOG.infof("Account %s: the %s did not run (%s); it is tried again at the next tick", accountId, what, e.getMessage());
            return null;
        });
    }

    /** A failure of one account's audit (Klaviyo, its key, its connection) that must not stop the others'. */
    private static boolean isAccountProblem(Throwable e) {
        return e instanceof com.nosto.klaviyo.gateway.client.KlaviyoUnavailableException
                || e instanceof com.nosto.klaviyo.gateway.client.KlaviyoRejectedException
                || e instanceof com.nosto.klaviyo.gateway.client.KeyRejectedException
                || e instanceof AuditService.NotConnectedException
                || e instanceof com.nosto.klaviyo.gateway.domain.AccountLease.LeaseLostException;
    }
}
