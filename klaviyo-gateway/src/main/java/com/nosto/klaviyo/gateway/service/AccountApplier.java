package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.logging.Emails;
import com.nosto.klaviyo.common.logging.LogContext;
import com.nosto.klaviyo.gateway.client.KeyRejectedException;
import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.client.KlaviyoRejectedException;
import com.nosto.klaviyo.gateway.client.KlaviyoUnavailableException;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.domain.Backoff;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.domain.Waiting;
import com.nosto.klaviyo.gateway.domain.WindowReadiness;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import com.nosto.klaviyo.gateway.repository.InboxRepository;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import com.nosto.klaviyo.gateway.service.LeaseService.Release;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * One account's turn, under its lease: finds the windows waiting in the inbox that are ready ({@link WindowReadiness}),
 * applies one chunk of the oldest ({@link ChunkApplier}), and says how to give the lease back. An account that cannot be
 * applied keeps its batches in the inbox: not connected or key rejected (until it connects; end markers are recorded
 * meanwhile, they need no Klaviyo call), its key unreadable or Klaviyo failing (tried again after a per-account backoff,
 * never blocking other accounts).
 */
// Built at start: a backoff configured with initial > max fails the start, not every account's turn later.
@Startup
@ApplicationScoped
public class AccountApplier {

    private static final Logger LOG = Logger.getLogger(AccountApplier.class);

    /**
     * A window waiting in the inbox and whether it may be applied. {@code begun}: a part of it was applied already; such
     * a window is finished before another starts, so an account's windows are applied one after the other (the rest of
     * a begun window arrived later than the next window's first batches, so arrival alone would put it behind them).
     */
    record WindowWork(String windowId, long contacts, long batches, long firstArrival, boolean begun, WindowReadiness.Verdict verdict,
            Instant windowEnd) {

        static final Comparator<WindowWork> APPLY_ORDER = Comparator.comparing((WindowWork w) -> !w.begun())
                .thenComparingLong(WindowWork::firstArrival);
    }

    private final InboxRepository inbox;
    private final SyncStateRepository state;
    private final ConnectionRepository connections;
    private final KeyCipher cipher;
    private final ChunkApplier chunks;
    private final GatewayMetrics metrics;
    private final Duration maxWait;
    private final Backoff backoff;

    public AccountApplier(InboxRepository inbox, SyncStateRepository state, ConnectionRepository connections, KeyCipher cipher,
            ChunkApplier chunks, GatewayMetrics metrics, GatewayConfig config) {
        this.inbox = inbox;
        this.state = state;
        this.connections = connections;
        this.cipher = cipher;
        this.chunks = chunks;
        this.metrics = metrics;
        this.maxWait = config.apply().maxWait();
        this.backoff = new Backoff(config.apply().retryInitialBackoff(), config.apply().retryMaxBackoff());
    }

    /** Applies at most one chunk of the account's oldest ready window; returns how to give its lease back. */
    public Uni<Release> turn(AccountLease lease) {
        String accountId = lease.accountId();
        return windows(accountId).chain(windows -> {
            if (windows.isEmpty()) {
                return Uni.createFrom().item(new Release(null, true, null, 0));
            }
            List<WindowWork> ready = windows.stream().filter(w -> w.verdict().ready())
                    .sorted(WindowWork.APPLY_ORDER).toList();
            if (ready.isEmpty()) {
                // Nothing ready: look again when the first window reaches max-wait, or when batches arrive.
                Instant next = windows.stream().map(w -> w.verdict().readyAt()).min(Instant::compareTo).orElseThrow();
                Instant now = Instant.now();
                return Uni.createFrom().item(new Release(next.isAfter(now) ? Duration.between(now, next) : null, false, null, 0));
            }
            return connections.find(accountId).chain(found -> found.isPresent() && found.get().isConnected()
                    ? applyConnected(lease, found.get(), ready)
                    : waitForConnection(lease, found.isPresent() ? Waiting.KEY_REJECTED : Waiting.NOT_CONNECTED,
                            found.map(Connection::statusReason).orElse("no Klaviyo connection yet"), ready));
        });
    }

    private Uni<List<WindowWork>> windows(String accountId) {
        return inbox.parts(accountId).chain(parts -> {
            if (parts.isEmpty()) {
                return Uni.createFrom().item(List.<WindowWork>of());
            }
            Map<String, List<InboxRepository.Part>> byWindow = parts.stream()
                    .collect(Collectors.groupingBy(InboxRepository.Part::windowId, LinkedHashMap::new, Collectors.toList()));
            return state.appliedMarkers(accountId, byWindow.keySet())
                    .chain(applied -> state.appliedInPart(accountId, byWindow.keySet()).map(begun -> work(byWindow, applied, begun)));
        });
    }

    private List<WindowWork> work(Map<String, List<InboxRepository.Part>> byWindow, Map<String, Map<Integer, Integer>> applied,
            Set<String> begun) {
        List<WindowWork> out = new ArrayList<>();
        byWindow.forEach((windowId, ps) -> {
            Instant oldest = ps.stream().map(InboxRepository.Part::oldest).min(Instant::compareTo).orElseThrow();
            Instant now = ps.get(0).now();
            WindowReadiness.Verdict verdict = WindowReadiness.of(
                    ps.stream().map(p -> new WindowReadiness.Part(p.sourcePartition(), p.ended(), p.windowPartitions())).toList(),
                    applied.getOrDefault(windowId, Map.of()), oldest, now, maxWait);
            out.add(new WindowWork(windowId, ps.stream().mapToLong(InboxRepository.Part::contacts).sum(),
                    ps.stream().mapToLong(InboxRepository.Part::batches).sum(),
                    ps.stream().mapToLong(InboxRepository.Part::firstArrival).min().orElseThrow(), begun.contains(windowId), verdict,
                    ps.stream().map(InboxRepository.Part::windowEnd).filter(e -> e != null).max(Instant::compareTo).orElse(null)));
        });
        return out;
    }

    /**
     * Not connected, or its key rejected: ready windows of end markers only are recorded (no Klaviyo call, no connection
     * needed); windows with contacts wait in the inbox until the account connects.
     */
    private Uni<Release> waitForConnection(AccountLease lease, String kind, String reason, List<WindowWork> ready) {
        List<WindowWork> markersOnly = ready.stream().filter(w -> w.contacts() == 0).toList();
        long waitingBatches = ready.stream().filter(w -> w.contacts() > 0).mapToLong(WindowWork::batches).sum();
        return Multi.createFrom().iterable(markersOnly)
                .onItem().transformToUniAndConcatenate(w -> chunks.recordMarkers(lease, w.windowId()).invoke(() -> finished(lease, w)))
                .collect().asList().map(x -> {
                    if (waitingBatches == 0) {
                        return Release.now();
                    }
                    metrics.parked(kind.equals(Waiting.NOT_CONNECTED) ? "not-connected" : "key-rejected", (int) waitingBatches);
                    if (!kind.equals(lease.previousWaiting())) {
                        LogContext.account(lease.accountId()).run(() -> LOG.infof("Account %s: %d batch(es) wait in the inbox"
                                + " (%s: %s)", lease.accountId(), waitingBatches, kind, reason));
                    }
                    return new Release(null, true, new Waiting(kind, reason, null), 0);
                });
    }

    private Uni<Release> applyConnected(AccountLease lease, Connection conn, List<WindowWork> ready) {
        WindowWork window = ready.get(0);
        if (window.contacts() == 0) {
            return chunks.recordMarkers(lease, window.windowId()).invoke(() -> finished(lease, window)).replaceWith(Release.now());
        }
        String key;
        try {
            key = cipher.open(conn.accountId(), new KeyCipher.Sealed(conn.keyId(), conn.encryptedKey()));
        } catch (RuntimeException e) {
            return keyUnreadable(lease, window, e.getMessage());
        }
        KlaviyoCredentials cred = new KlaviyoCredentials(conn.accountId(), key, lease);
        return chunks.apply(lease, cred, conn, window.windowId(), !window.begun())
                .map(ended -> {
                    if (ended) {
                        finished(lease, window);
                    }
                    return Release.now();
                })
                .onFailure(KeyRejectedException.class).recoverWithUni(e -> {
                    metrics.disconnected();
                    metrics.parked("key-rejected", (int) window.batches());
                    LogContext.account(conn.accountId()).window(window.windowId()).run(() -> LOG.warnf("Account %s"
                            + " disconnected: %s", conn.accountId(), Emails.redact(e.getMessage())));
                    return connections.markDisconnected(conn.accountId(), e.getMessage())
                            .replaceWith(new Release(null, true, new Waiting(Waiting.KEY_REJECTED, e.getMessage(), null), 0));
                })
                .onFailure(e -> e instanceof KlaviyoUnavailableException || e instanceof KlaviyoRejectedException)
                .recoverWithItem(e -> {
                    int failures = lease.failures() + 1;
                    Duration wait = backoff.after(failures);
                    metrics.parked("klaviyo-unavailable", (int) window.batches());
                    LogContext.account(conn.accountId()).window(window.windowId()).run(() -> LOG.infof("Account %s: Klaviyo"
                            + " failed (%s); its window %s waits, next attempt in %s (failure %d in a row)", conn.accountId(),
                            Emails.redact(e.getMessage()), window.windowId(), wait, failures));
                    return new Release(wait, false, new Waiting(Waiting.KLAVIYO_UNAVAILABLE, e.getMessage(), null), failures);
                });
    }

    /**
     * The stored key cannot be decrypted (its key-encryption key is not configured here): an account-level problem, shown
     * with the connection status and, once, in the sync history; the account is tried again after the backoff.
     */
    private Uni<Release> keyUnreadable(AccountLease lease, WindowWork window, String why) {
        int failures = lease.failures() + 1;
        Duration wait = backoff.after(failures);
        String detail = "The stored Klaviyo key cannot be decrypted (" + why + "). The window waits; it is applied once the"
                + " key-encryption key is configured again, or after a reconnect.";
        metrics.parked("key-unreadable", (int) window.batches());
        Release release = new Release(wait, false, new Waiting(Waiting.KEY_UNREADABLE, why, null), failures);
        if (Waiting.KEY_UNREADABLE.equals(lease.previousWaiting())) {
            return Uni.createFrom().item(release);
        }
        LogContext.account(lease.accountId()).window(window.windowId()).run(() -> LOG.errorf("Account %s: %s", lease.accountId(),
                detail));
        return chunks.windowOf(lease.accountId(), window.windowId())
                .chain(w -> state.notice(lease.accountId(), window.windowId(), w == null ? null : w.windowKind,
                        w == null ? null : w.windowEnd, "FAILED", detail))
                .replaceWith(release);
    }

    private void finished(AccountLease lease, WindowWork window) {
        boolean complete = window.verdict().state() == WindowReadiness.State.COMPLETE;
        metrics.windowApplied(complete ? "complete" : "max-wait");
        if (window.windowEnd() != null && window.contacts() > 0) {
            metrics.windowFreshness(window.windowEnd(), Instant.now());
        }
        if (!complete) {
            LogContext.account(lease.accountId()).window(window.windowId()).run(() -> LOG.infof("Window %s of account %s applied"
                    + " without all its end markers: %s after its oldest batch arrived (%d batches, %d contacts waited)",
                    window.windowId(), lease.accountId(), maxWait, window.batches(), window.contacts()));
        }
    }
}
