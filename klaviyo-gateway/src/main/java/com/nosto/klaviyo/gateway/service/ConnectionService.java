package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.common.logging.LogContext;
import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.client.KlaviyoRejectedException;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.AccountLease;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.domain.ConnectionStatus;
import com.nosto.klaviyo.gateway.repository.AccountLeaseRepository;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import com.nosto.klaviyo.gateway.repository.InboxRepository;
import com.nosto.klaviyo.gateway.repository.SyncStateRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Connecting an account: the key is checked against Klaviyo (by asking which Klaviyo account it reaches, then looking up
 * the list), the list is found by name or created once (G1), and only then is anything stored, with the key sealed (G12)
 * and the Klaviyo account recorded: a key of another Klaviyo account than the ledger's clears the ledger. Connect,
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
    private final KlaviyoClient klaviyo;
    private final SyncStateRepository state;

    public ConnectionService(ListService lists, ConnectionRepository connections, InboxRepository inbox, AccountLeaseRepository leaseRows,
            LeaseService leases, ApplyScheduler scheduler, KeyCipher cipher, KlaviyoConfig config, KlaviyoClient klaviyo,
            SyncStateRepository state) {
        this.klaviyo = klaviyo;
        this.state = state;
        this.lists = lists;
        this.connections = connections;
        this.inbox = inbox;
        this.leaseRows = leaseRows;
        this.leases = leases;
        this.scheduler = scheduler;
        this.cipher = cipher;
        this.config = config;
    }

    /**
     * Throws {@code KeyRejectedException} (nothing stored) when Klaviyo refuses the key. The Klaviyo account behind the
     * key is looked up first: when it is not the one the account's ledger was applied to, the ledger is cleared with
     * the connection's commit (the new account has none of those profiles, versions or ids).
     */
    public Uni<Connection> connect(String accountId, String privateApiKey) {
        String key = privateApiKey.trim();
        return underLease(accountId, lease -> {
            KlaviyoCredentials cred = new KlaviyoCredentials(accountId, key, lease);
            return klaviyoAccount(cred).chain(klaviyoAccount -> lists.findOrCreate(cred, config.listName()).chain(list -> {
                Instant now = Instant.now();
                KeyCipher.Sealed sealed = cipher.seal(accountId, key);
                return connections.find(accountId).chain(existing -> {
                    Connection c = new Connection(accountId, sealed.keyId(), sealed.bytes(), last4(key), list.id(), list.name(),
                            Connection.Status.CONNECTED, null, now, now, existing.map(Connection::lastSyncAt).orElse(null), klaviyoAccount);
                    return state.connect(c, "klaviyo-account-changed/" + now, (cleared, before) -> accountChanged(klaviyoAccount,
                            before, cleared)).invoke(cleared -> {
                                if (cleared > 0) {
                                    LOG.infof("Account %s: the key reaches another Klaviyo account (%s) than the one synced to before;"
                                            + " %d contacts' applied state cleared", accountId, klaviyoAccount, cleared);
                                }
                            }).call(() -> leaseRows.resume(accountId)).replaceWith(c);
                }).invoke(c -> LogContext.account(accountId).run(() -> LOG.infof("Account %s connected to Klaviyo list %s (%s)",
                        accountId, list.id(), list.created() ? "created" : "found by name")));
            }));
        }).invoke(c -> scheduler.trigger());
    }

    /** The id of the one Klaviyo account the key belongs to. */
    private Uni<String> klaviyoAccount(KlaviyoCredentials cred) {
        return klaviyo.getAccounts(cred).map(r -> {
            String id = r.ok() && !r.dataArray().isEmpty() && r.dataArray().getValue(0) instanceof JsonObject a ? a.getString("id") : null;
            if (id == null || id.isBlank()) {
                throw new KlaviyoRejectedException("get_accounts named no account: " + r.describe());
            }
            return id;
        });
    }

    static String accountChanged(String now, String before, int cleared) {
        return "The Klaviyo key belongs to Klaviyo account " + now + ", not to " + ledgerOwner(before) + " to which this account's"
                + " contacts were synced: the applied state of " + cleared + " contact(s) (versions and Klaviyo profile ids) was"
                + " cleared. Ask for an account resync so that the new Klaviyo account receives every current member.";
    }

    private static String ledgerOwner(String before) {
        return before == null ? "the Klaviyo account (not recorded)" : "Klaviyo account " + before;
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
