package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.gateway.config.GatewayConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.KekStatus;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * The key-encryption-key rotation's second half (G12): once a new KEK is active, every stored Klaviyo key still sealed
 * under another configured KEK is opened and sealed again under the active one, so the old KEK can be removed. Runs on
 * every replica every {@code gateway.crypto.reencrypt-interval}; each transaction claims at most
 * {@code reencrypt-batch-size} rows with {@code FOR UPDATE SKIP LOCKED}, so replicas share the rows without waiting
 * for each other, and walks the accounts in id order, so a row that cannot be opened is passed, not retried for ever.
 * Each run ends by counting the rows per KEK (gateway_connections_by_kek).
 */
@ApplicationScoped
public class KeyReencryption {

    private static final Logger LOG = Logger.getLogger(KeyReencryption.class);
    static final String WORK = "klaviyo-gateway key re-encryption";

    private final ConnectionRepository connections;
    private final KeyCipher cipher;
    private final GatewayMetrics metrics;
    private final Outages outages;
    private final int batchSize;

    public KeyReencryption(ConnectionRepository connections, KeyCipher cipher, GatewayMetrics metrics, Outages outages,
            GatewayConfig config) {
        this.connections = connections;
        this.cipher = cipher;
        this.metrics = metrics;
        this.outages = outages;
        this.batchSize = config.crypto().reencryptBatchSize();
    }

    @Scheduled(every = "${gateway.crypto.reencrypt-interval:1m}", delayed = "${gateway.crypto.reencrypt-interval:1m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return reencrypt().chain(n -> status()).invoke(s -> outages.recovered(WORK)).onFailure().invoke(e -> outages.failed(WORK, e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Re-seals every key under another configured KEK than the active one; returns how many this call re-sealed. */
    public Uni<Integer> reencrypt() {
        return from("").invoke(n -> {
            if (n > 0) {
                LOG.infof("Re-sealed %d stored Klaviyo key(s) under the active key-encryption key '%s'", n, cipher.activeKeyId());
            }
        });
    }

    private Uni<Integer> from(String after) {
        return connections.reseal(cipher.activeKeyId(), cipher.keyIds(), after, batchSize, this::reseal)
                .chain(r -> r.claimed() < batchSize ? Uni.createFrom().item(r.resealed())
                        : from(r.lastAccountId()).map(more -> r.resealed() + more));
    }

    private KeyCipher.Sealed reseal(String accountId, KeyCipher.Sealed stored) {
        try {
            return cipher.reseal(accountId, stored);
        } catch (IllegalStateException e) {
            // Left as it is: the account's windows report it (KEY_UNREADABLE); re-saving its key repairs it.
            LOG.warnf("Account %s: its stored Klaviyo key cannot be opened with key-encryption key '%s'; not re-sealed", accountId,
                    stored.keyId());
            return null;
        }
    }

    /** The rows per KEK, counted now; also what the gauge shows. */
    public Uni<KekStatus> status() {
        return connections.countByKeyId().map(counts -> KekStatus.of(cipher.activeKeyId(), cipher.keyIds(), counts))
                .invoke(s -> metrics.connectionsByKek(s.connectionsByKek()));
    }
}
