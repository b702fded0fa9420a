package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.domain.ConnectionStatus;
import com.nosto.klaviyo.gateway.repository.AccountLeaseRepository;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import com.nosto.klaviyo.gateway.repository.InboxRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Connecting an account: the key is checked against Klaviyo (by looking up the list, which needs a valid key anyway),
 * the list is found by name or created once (G1), and only then is anything stored, with the key sealed (G12). Connect,
 * reconnect and disconnect take the account's lease like everything that calls Klaviyo for it, so two connects never
 * create two lists and none races a chunk being applied (they wait up to {@code gateway.apply.lease-wait}). After a
 * connect the account's waiting batches are applied at once.
 */
@ApplicationScoped
public class ConnectionService {

    private static final Logger LOG = Logger.getLogger(ConnectionService.class);

    private final ListService lists;
    private final ConnectionRepository connections;
    private final InboxRepository inbox;
    private final AccountLeaseRepository leaseRows;
    private final LeaseService leases;
    private final ApplyScheduler scheduler;
    private final KeyCipher cipher;
    private final KlaviyoConfig config;

    public ConnectionService(ListService lists, ConnectionRepository connections, InboxRepository inbox, AccountLeaseRepository leaseRows,
            LeaseService leases, ApplyScheduler scheduler, KeyCipher cipher, KlaviyoConfig config) {
        this.lists = lists;
        this.connections = connections;
        this.inbox = inbox;
        this.leaseRows = leaseRows;
        this.leases = leases;
        this.scheduler = scheduler;
        this.cipher = cipher;
        this.config = config;
    }

    /** Throws {@code KeyRejectedException} (nothing stored) when Klaviyo refuses the key. */
    public Uni<Connection> connect(String accountId, String privateApiKey) {
        String key = privateApiKey.trim();
        return underLease(accountId, lease -> lists.findOrCreate(new KlaviyoCredentials(accountId, key, lease), config.listName())
                .chain(list -> {
                    Instant now = Instant.now();
                    KeyCipher.Sealed sealed = cipher.seal(accountId, key);
                    return connections.find(accountId).chain(existing -> {
                        Connection c = new Connection(accountId, sealed.keyId(), sealed.bytes(), last4(key), list.id(), list.name(),
                                Connection.Status.CONNECTED, null, now, now, existing.map(Connection::lastSyncAt).orElse(null));
                        return connections.upsert(c).call(() -> leaseRows.resume(accountId)).replaceWith(c);
                    }).invoke(c -> LOG.infof("Account %s connected to Klaviyo list %s (%s)", accountId, list.id(),
                            list.created() ? "created" : "found by name"));
                })).invoke(c -> scheduler.trigger());
    }

    /** The connection, the batches waiting in the inbox and why (counted in SQL, nothing loaded). */
    public Uni<ConnectionStatus> status(String accountId) {
        return connections.find(accountId).chain(c -> inbox.waiting(accountId).chain(w -> leaseRows.waiting(accountId)
                .map(why -> new ConnectionStatus(accountId, c, w[0], w[1], why))));
    }

    public Uni<Optional<Connection>> find(String accountId) {
        return connections.find(accountId);
    }

    /** Forgets the key and the list (not while a chunk of the account is being applied). */
    public Uni<Boolean> disconnect(String accountId) {
        return underLease(accountId, lease -> connections.delete(accountId));
    }

    private <T> Uni<T> underLease(String accountId, Function<AccountLease, Uni<T>> work) {
        return leases.acquireWaiting(accountId).chain(lease -> Uni.createFrom().deferred(() -> work.apply(lease))
                .onTermination().call(() -> leases.release(lease, LeaseService.Release.now())
                        .onFailure().invoke(e -> LOG.warnf("Account %s: giving the lease back failed (%s); it expires by itself",
                                accountId, e.toString()))
                        .onFailure().recoverWithNull()));
    }

    static String last4(String key) {
        return key.length() <= 4 ? key : key.substring(key.length() - 4);
    }
}
