package com.nosto.klaviyo.gateway.service;

import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.client.KlaviyoResponse;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;

/** G1: one "Nosto Customers" list per account, found by name first and created only when none exists. */
@ApplicationScoped
public class ListService {

    public record ListRef(String id, String name, boolean created) {
    }

    private final KlaviyoClient klaviyo;

    public ListService(KlaviyoClient klaviyo) {
        this.klaviyo = klaviyo;
    }

    public Uni<ListRef> findOrCreate(KlaviyoCredentials cred, String name) {
        return klaviyo.findListsByName(cred, name).chain(found -> {
            requireAuthorised(found);
            if (!found.isSuccess()) {
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
                requireAuthorised(created);
                if (!created.isSuccess() || created.dataId() == null) {
                    throw new KlaviyoRejectedException(created.describe());
                }
                return new ListRef(created.dataId(), name, true);
            });
        });
    }

    private static String attr(JsonObject list, String field) {
        JsonObject a = list.getJsonObject("attributes");
        String v = a == null ? null : a.getString(field);
        return v == null ? "" : v;
    }

    static void requireAuthorised(KlaviyoResponse r) {
        if (r.isAuthFailure()) {
            throw new KeyRejectedException(r.status(), r.errors().isEmpty() ? null : r.errors().get(0).detail());
        }
    }
}
