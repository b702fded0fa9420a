package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.client.KlaviyoRejectedException;
import com.nosto.klaviyo.gateway.repository.ConnectionRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import org.jboss.logging.Logger;

/**
 * G1: one "Nosto Customers" list per account, found by name first and created only when none exists (at connect,
 * under the account's lease, so two connects never create two), checked at a window's first chunk, and re-created
 * once per chunk when it was deleted in Klaviyo (found by that check, or by a later chunk's call that names it: 404, or
 * a bulk import's 400 {@code not_found} on its list).
 */
@ApplicationScoped
public class ListService {

    private static final Logger LOG = Logger.getLogger(ListService.class);

    public record ListRef(String id, String name, boolean created) {
    }

    private final KlaviyoClient klaviyo;
    private final ConnectionRepository connections;

    public ListService(KlaviyoClient klaviyo, ConnectionRepository connections) {
        this.klaviyo = klaviyo;
        this.connections = connections;
    }

    public Uni<ListRef> findOrCreate(KlaviyoCredentials cred, String name) {
        return klaviyo.findListsByName(cred, name).chain(found -> {
            if (!found.ok()) {
                throw new KlaviyoRejectedException(found.describe());
            }
            // Duplicate names are allowed in Klaviyo; the oldest is the one we (or the merchant) made first.
            var oldest = found.dataArray().stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast)
                    .filter(l -> l.getString("id") != null)
                    .min(Comparator.comparing((JsonObject l) -> attr(l, "created")));
            if (oldest.isPresent()) {
                return Uni.createFrom().item(new ListRef(oldest.get().getString("id"), name, false));
            }
            return klaviyo.createList(cred, name).map(created -> {
                if (!created.ok() || created.dataId() == null) {
                    throw new KlaviyoRejectedException(created.describe());
                }
                return new ListRef(created.dataId(), name, true);
            });
        });
    }

    /** The list exists (one get_list), else it is found by name or created again. */
    Uni<Void> ensure(ChunkRun run) {
        String listId = run.listId();
        if (listId == null) {
            return recreate(run, null);
        }
        return klaviyo.getList(run.cred, listId).chain(r -> switch (r.outcome()) {
            case OK -> Uni.createFrom().voidItem();
            case GONE -> recreate(run, listId);
            default -> Uni.createFrom().failure(new KlaviyoRejectedException(r.describe()));
        });
    }

    /** The list {@code vanished} (deleted in Klaviyo): find another by name or create one, once per chunk. */
    Uni<Void> recreate(ChunkRun run, String vanished) {
        return run.recreation(vanished, () -> findOrCreate(run.cred, run.listName).chain(ref -> {
            if (ref.created()) {
                run.result.wrote();
            }
            LOG.infof("Account %s: list %s missing in Klaviyo, now using %s (%s)", run.accountId, vanished, ref.id(),
                    ref.created() ? "created" : "found by name");
            run.listId(ref.id());
            return connections.updateList(run.accountId, ref.id(), ref.name());
        }));
    }

    private static String attr(JsonObject list, String field) {
        JsonObject a = list.getJsonObject("attributes");
        String v = a == null ? null : a.getString(field);
        return v == null ? "" : v;
    }
}
