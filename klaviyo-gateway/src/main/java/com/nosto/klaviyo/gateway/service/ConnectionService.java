package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.crypto.KeyCipher;
import com.nosto.klaviyo.gateway.domain.Connection;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Connecting an account: the key is checked against Klaviyo (by looking up the list, which needs a
 * valid key anyway), the list is found by name or created once (G1), and only then is anything stored,
 * with the key sealed (G12). Parked batches are re-applied after a successful connect.
 */
@ApplicationScoped
public class ConnectionService {

    private static final Logger LOG = Logger.getLogger(ConnectionService.class);

    private final ListService lists;
    private final ConnectionRepository connections;
    private final KeyCipher cipher;
    private final KlaviyoConfig config;
    private final ParkedBatchDrainer drainer;

    public ConnectionService(ListService lists, ConnectionRepository connections, KeyCipher cipher, KlaviyoConfig config,
            ParkedBatchDrainer drainer) {
        this.lists = lists;
        this.connections = connections;
        this.cipher = cipher;
        this.config = config;
        this.drainer = drainer;
    }

    /** Throws {@link KeyRejectedException} (nothing stored) when Klaviyo refuses the key. */
    public Uni<Connection> connect(String accountId, String privateApiKey) {
        String key = privateApiKey.trim();
        KlaviyoCredentials cred = new KlaviyoCredentials(accountId, key);
        return lists.findOrCreate(cred, config.listName()).chain(list -> {
            Instant now = Instant.now();
            KeyCipher.Sealed sealed = cipher.seal(accountId, key);
            return connections.find(accountId).chain(existing -> {
                Connection c = new Connection(accountId, sealed.keyId(), sealed.bytes(), last4(key), list.id(), list.name(),
                        Connection.Status.CONNECTED, null, now, now, existing.map(Connection::lastSyncAt).orElse(null));
                return connections.upsert(c).replaceWith(c);
            }).invoke(c -> {
                LOG.infof("Account %s connected to Klaviyo list %s (%s)", accountId, list.id(),
                        list.created() ? "created" : "found by name");
                drainer.drainSoon(accountId);
            });
        });
    }

    public Uni<Optional<Connection>> find(String accountId) {
        return connections.find(accountId);
    }

    public Uni<Boolean> disconnect(String accountId) {
        return connections.delete(accountId);
    }

    static String last4(String key) {
        return key.length() <= 4 ? key : key.substring(key.length() - 4);
    }
}
