package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.client.KeyRejectedException;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.domain.AuditProgress;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.domain.Drift;
import com.nosto.klaviyo.gateway.domain.DriftClass;
import com.nosto.klaviyo.gateway.domain.DriftClassifier;
import com.nosto.klaviyo.gateway.domain.ListedMember;
import com.nosto.klaviyo.gateway.domain.PlanLimits;
import com.nosto.klaviyo.gateway.domain.RepairPlan;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.repository.AuditReadRepository;
import com.nosto.klaviyo.gateway.repository.AuditRepository;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Audits an account (G14): reads what Klaviyo holds ({@link AuditReader}), compares it with the ledger's members and the
 * properties applied to them ({@link DriftClassifier}), and, for a repair, writes what the drift needs
 * ({@link RepairPlan}, {@link RepairExecutor}) and corrects the ledger. All of it under the account's lease, the one every
 * window's chunk, connect and disconnect takes: with N replicas one of them works for the account at a time, so an audit
 * never runs beside a window being applied (it waits {@code gateway.apply.lease-wait} for one, then gives up), and the
 * ledger it compares with cannot move while it reads. Every audit is an entry in the sync history (AUDIT or REPAIR).
 * <p>
 * The read of the list is saved page by page ({@link AuditReadRepository}): an audit interrupted mid-read (a restart, a
 * Klaviyo outage, a lost lease) goes on from the page it reached, when the next audit of the account starts or, at the
 * latest, at the next tick of {@link AuditScheduler} on any replica, with the intent it had (dry run or repair); unless the
 * read is older than {@code gateway.audit.resume-within} or a window changed the ledger since it began, when the list is
 * read again from its first page.
 */
@ApplicationScoped
public class AuditService {

    private static final Logger LOG = Logger.getLogger(AuditService.class);
    static final int SAMPLES = 5;

    /** The account has no working Klaviyo connection: nothing to audit. */
    public static final class NotConnectedException extends RuntimeException {
        public NotConnectedException(String message) {
            super(message);
        }
    }

    /**
     * What an audit found and what a repair wrote (or, for a dry run, would write).
     *
     * @param drift         counts per class
     * @param samples       up to 5 emails per contact class
     * @param writes        write calls by operation: planned (dry run) or of the plan carried out (repair)
     * @param minimumWrites the fewest write calls the drift allows
     * @param klaviyoWrites write calls made (0 for a dry run)
     * @param pagesRead     pages of list members this audit read from Klaviyo
     * @param pagesResumed  pages taken from the read of an interrupted audit, not read again (0: read from the first page)
     */
    public record Report(String accountId, String runId, boolean repair, String listId, Map<DriftClass, Integer> drift,
            Map<DriftClass, List<String>> samples, Map<String, Integer> writes, int minimumWrites, int klaviyoWrites,
            int added, int removed, int failed, int pagesRead, int pagesResumed, Instant startedAt, Instant finishedAt) {
    }

    /** The list's members as read, when the read began (earlier for a resumed one), and its pages: read now and resumed. */
    private record Read(List<ListedMember> members, Instant startedAt, int pagesRead, int pagesResumed) {
    }

    private final AuditReader reader;
    private final RepairExecutor executor;
    private final AuditRepository audits;
    private final AuditReadRepository reads;
    private final ConnectionRepository connections;
    private final LeaseService leases;
    private final KeyCipher cipher;
    private final GatewayMetrics metrics;
    private final String listName;
    private final PlanLimits limits;
    private final Duration resumeWithin;

    public AuditService(AuditReader reader, RepairExecutor executor, AuditRepository audits, AuditReadRepository reads,
            ConnectionRepository connections, LeaseService leases, KeyCipher cipher, GatewayMetrics metrics, KlaviyoConfig config,
            GatewayConfig gateway) {
        this.reader = reader;
        this.executor = executor;
        this.audits = audits;
        this.reads = reads;
        this.resumeWithin = gateway.audit().resumeWithin();
        this.connections = connections;
        this.leases = leases;
        this.cipher = cipher;
        this.metrics = metrics;
        this.listName = config.listName();
        KlaviyoConfig.Batching b = config.batching();
        this.limits = new PlanLimits(b.bulkThreshold(), b.unsetBulkThreshold(), b.bulkMaxProfiles(), b.bulkMaxBytes(), b.listChunk(),
                b.lookupChunk());
    }

    /** Audits the account, and repairs what it found when {@code repair}; waits for the account's lease (else AccountBusy). */
    public Uni<Report> audit(String accountId, boolean repair) {
        return connections.find(accountId).chain(found -> {
            if (found.isEmpty() || !found.get().isConnected()) {
                return Uni.createFrom().failure(new NotConnectedException(found.isEmpty()
                        ? "account " + accountId + " is not connected to Klaviyo"
                        : "account " + accountId + " is disconnected: " + found.get().statusReason()));
            }
            return leases.acquireWaiting(accountId).chain(lease -> releasing(lease, () -> underLease(lease, repair)));
        });
    }

    /**
     * The scheduled audit of an account due since {@code dueAt}: skipped when another replica holds the account's lease (the
     * next tick tries again) or audited it since (checked under the lease, so with N replicas it runs once per due time).
     */
    public Uni<Optional<Report>> auditIfDue(String accountId, Instant dueAt, boolean repair) {
        return leases.acquire(accountId).chain(taken -> taken.isEmpty() ? Uni.createFrom().item(Optional.<Report>empty())
                : releasing(taken.get(), () -> audits.lastAudit(accountId).chain(last -> last.isPresent() && !last.get().isBefore(dueAt)
                        ? Uni.createFrom().item(Optional.<Report>empty())
                        : underLease(taken.get(), repair).map(Optional::of))));
    }

    /**
     * Goes on with an audit interrupted mid-read, with the intent it had: skipped when another replica holds the account's
     * lease (it may be running it) or the read is gone (finished meanwhile).
     */
    public Uni<Optional<Report>> resumeInterrupted(String accountId) {
        return leases.acquire(accountId).chain(taken -> taken.isEmpty() ? Uni.createFrom().item(Optional.<Report>empty())
                : releasing(taken.get(), () -> reads.find(accountId).chain(saved -> saved.isEmpty()
                        ? Uni.createFrom().item(Optional.<Report>empty())
                        : underLease(taken.get(), saved.get().repair()).map(Optional::of))));
    }

    private <T> Uni<T> releasing(AccountLease lease, java.util.function.Supplier<Uni<T>> work) {
        return Uni.createFrom().<T>deferred(() -> work.get())
                .onTermination().call(() -> leases.release(lease, LeaseService.Release.now())
                        .onFailure().invoke(e -> LOG.warnf("Account %s: giving the lease back failed (%s); it expires by itself",
                                lease.accountId(), e.toString()))
                        .onFailure().recoverWithNull());
    }

    private Uni<Report> underLease(AccountLease lease, boolean repair) {
        String accountId = lease.accountId();
        Instant now = Instant.now();
        // Read again under the lease: a window applied meanwhile may have re-created the list.
        return connections.find(accountId).chain(found -> {
            Connection conn = found.filter(Connection::isConnected)
                    .orElseThrow(() -> new NotConnectedException("account " + accountId + " is not connected to Klaviyo"));
            String key;
            try {
                key = cipher.open(accountId, new KeyCipher.Sealed(conn.keyId(), conn.encryptedKey()));
            } catch (RuntimeException e) {
                throw new NotConnectedException("the stored Klaviyo key of account " + accountId + " cannot be decrypted: "
                        + e.getMessage());
            }
            KlaviyoCredentials cred = new KlaviyoCredentials(accountId, key, lease);
            return reader.list(cred, conn.listId(), listName).chain(list -> read(cred, lease, list.listId(), repair, now)
                    .chain(read -> audits.members(accountId).chain(model -> reader
                            .profileIds(cred, DriftClassifier.toLookUp(model, read.members()))
                            .map(ids -> DriftClassifier.classify(list, model, read.members(), ids)))
                            .chain(drift -> finish(lease, cred, conn, drift, repair, read))));
        }).onFailure(e -> e instanceof NotConnectedException || e instanceof KeyRejectedException)
                .call(() -> reads.drop(accountId)); // it cannot go on until the merchant reconnects: no read to resume
    }

    /**
     * The list's members, saved page by page: from where an interrupted read of the same list stopped when it may go on
     * ({@link AuditProgress#resumableFor}, and no window changed the ledger since it began), else from the first page.
     */
    private Uni<Read> read(KlaviyoCredentials cred, AccountLease lease, String listId, boolean repair, Instant now) {
        String accountId = lease.accountId();
        if (listId == null) {
            return reads.drop(accountId).replaceWith(new Read(List.of(), now, 0, 0));
        }
        return reads.find(accountId).chain(saved -> {
            Uni<Boolean> resumable = saved.isPresent() && saved.get().resumableFor(listId, now, resumeWithin)
                    ? reads.ledgerChangedSince(accountId, saved.get().startedAt()).map(changed -> !changed)
                    : Uni.createFrom().item(false);
            return resumable.chain(goOn -> {
                if (!goOn) {
                    AuditProgress fresh = AuditProgress.start(accountId, listId, repair, now);
                    return reads.start(fresh).chain(() -> readOn(cred, lease, fresh, new ArrayList<>()));
                }
                AuditProgress from = saved.get();
                LOG.infof("Account %s: the audit goes on from page %d of a read interrupted at %s", accountId, from.pages() + 1,
                        from.updatedAt());
                return reads.members(accountId).chain(already -> from.complete()
                        ? Uni.createFrom().item(new Read(already, from.startedAt(), 0, from.pages()))
                        : readOn(cred, lease, from, new ArrayList<>(already)));
            });
        });
    }

    /** Reads the pages {@code from} has not read yet into {@code out}, saving each under the lease. */
    private Uni<Read> readOn(KlaviyoCredentials cred, AccountLease lease, AuditProgress from, List<ListedMember> out) {
        AuditProgress[] at = {from};
        return reader.members(cred, from.listId(), from.nextLink(), out, (page, next) -> {
            at[0] = at[0].page(next, Instant.now());
            return reads.savePage(at[0], page, lease.holder()).invoke(held -> {
                if (!held) {
                    metrics.leaseLost();
                    throw new AccountLease.LeaseLostException(lease.accountId());
                }
            }).replaceWithVoid();
        }).map(all -> new Read(all, from.startedAt(), at[0].pages() - from.pages(), from.pages()));
    }

    private Uni<Report> finish(AccountLease lease, KlaviyoCredentials cred, Connection conn, Drift drift, boolean repair, Read read) {
        String accountId = lease.accountId();
        Instant started = read.startedAt();
        RepairPlan plan = RepairPlan.of(drift, limits);
        int minimum = RepairPlan.minimumWrites(drift, limits);
        String runId = (repair ? "repair/" : "audit/") + started;
        drift.counts().forEach((c, n) -> metrics.auditDrift(c.name(), n));
        LOG.infof("Account %s: audit found %s; a repair writes %s (%s)", accountId, drift.counts(), plan.writesByOperation(),
                repair ? "repairing" : "dry run");
        String driftJson = new JsonObject(Map.copyOf(drift.counts().entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(e -> e.getKey().name(), e -> (Object) e.getValue())))).encode();
        if (!repair || drift.none()) {
            Instant now = Instant.now();
            AuditRepository.Run run = new AuditRepository.Run(accountId, runId, repair ? "REPAIR" : "AUDIT", started, now, 0, 0, 0, 0,
                    driftJson);
            String listId = drift.list().listId();
            return audits.record(run).replaceWith(new Report(accountId, runId, repair, listId, drift.counts(), drift.samples(SAMPLES),
                    plan.writesByOperation(), minimum, 0, 0, 0, 0, read.pagesRead(), read.pagesResumed(), started, now));
        }
        ChunkRun chunkRun = new ChunkRun(cred, drift.list().listId(), listName);
        Uni<Void> adopt = drift.list().listId() != null && !drift.list().listId().equals(conn.listId())
                ? connections.updateList(accountId, drift.list().listId(), listName) : Uni.createFrom().voidItem();
        return adopt.chain(() -> executor.repair(chunkRun, plan, drift.missing().size())).chain(done -> {
            Instant now = Instant.now();
            AuditRepository.Run run = new AuditRepository.Run(accountId, runId, "REPAIR", started, now, done.added(), done.removed(),
                    done.failed(), done.writes(), driftJson);
            return audits.recordRepair(run, lease.holder(), plan.ledgerFixes()).map(held -> {
                if (!held) {
                    metrics.leaseLost();
                    throw new AccountLease.LeaseLostException(accountId);
                }
                LOG.infof("Account %s: repair done: %d put back, %d removed, %d failed, %d write call(s) (minimum %d)", accountId,
                        done.added(), done.removed(), done.failed(), done.writes(), minimum);
                return new Report(accountId, runId, true, done.listId(), drift.counts(), drift.samples(SAMPLES), plan.writesByOperation(),
                        minimum, done.writes(), done.added(), done.removed(), done.failed(), read.pagesRead(), read.pagesResumed(), started,
                        now);
            });
        });
    }
}
