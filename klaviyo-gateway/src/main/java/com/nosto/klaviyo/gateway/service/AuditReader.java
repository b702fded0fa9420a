package com.nosto.klaviyo.gateway.service;

import static com.nosto.klaviyo.gateway.client.KlaviyoResponse.attributes;

import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.gateway.client.KlaviyoClient;
import com.nosto.klaviyo.gateway.client.KlaviyoCredentials;
import com.nosto.klaviyo.gateway.client.KlaviyoRejectedException;
import com.nosto.klaviyo.gateway.client.KlaviyoResponse;
import com.nosto.klaviyo.gateway.client.NostoProperties;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.ListFinding;
import com.nosto.klaviyo.gateway.domain.ListedMember;
import com.nosto.klaviyo.gateway.domain.SyncPlanner;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an audit reads from Klaviyo, only reads, each paced for the account by the client: the list by its stored id and
 * the lists carrying its name, the list's members with their two properties (pages of 100, following {@code links.next},
 * whose cursor holds its place while members join or leave; each page handed on as read, so the audit can save it and
 * resume from the next), and the profiles of given emails (100 per lookup).
 */
@ApplicationScoped
public class AuditReader {

    private final KlaviyoClient klaviyo;
    private final KlaviyoConfig.Batching batching;

    public AuditReader(KlaviyoClient klaviyo, KlaviyoConfig config) {
        this.klaviyo = klaviyo;
        this.batching = config.batching();
    }

    Uni<ListFinding> list(KlaviyoCredentials cred, String storedListId, String name) {
        Uni<Boolean> stored = storedListId == null ? Uni.createFrom().item(false)
                : klaviyo.getList(cred, storedListId).map(r -> switch (r.outcome()) {
                    case OK -> true;
                    case GONE -> false;
                    default -> throw new KlaviyoRejectedException(r.describe());
                });
        return stored.chain(exists -> klaviyo.findListsByName(cred, name).map(found -> {
            if (!found.ok()) {
                throw new KlaviyoRejectedException(found.describe());
            }
            List<String> named = found.dataArray().stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast)
                    .filter(l -> l.getString("id") != null && name.equals(attributes(l).getString("name")))
                    .sorted(Comparator.comparing((JsonObject l) -> String.valueOf(attributes(l).getString("created"))))
                    .map(l -> l.getString("id")).toList();
            return ListFinding.of(storedListId, exists, named);
        }));
    }

    /** A page of the list's members read, and the cursor of the page after it (null: it was the last). */
    @FunctionalInterface
    interface PageSink {
        Uni<Void> read(List<ListedMember> page, String nextLink);
    }

    /**
     * The list's members from the page {@code nextLink} points at (null: the first) to the last, added to {@code out}; each
     * page is handed to {@code sink} (which saves it) while the next is fetched, and saved before the one after is asked
     * for. A loop, not a chain of page Unis: a chain would keep every page's response alive until the last (a
     * 100,000-member list held twice over).
     */
    Uni<List<ListedMember>> members(KlaviyoCredentials cred, String listId, String nextLink, List<ListedMember> out, PageSink sink) {
        String[] cursor = {nextLink};
        boolean[] first = {nextLink == null};
        @SuppressWarnings("unchecked")
        Uni<Void>[] saving = new Uni[] {Uni.createFrom().voidItem()};
        return Multi.createBy().repeating().uni(() -> {
            Uni<KlaviyoResponse> call = first[0] ? klaviyo.getListMembers(cred, listId) : klaviyo.getListMembersPage(cred, listId, cursor[0]);
            first[0] = false;
            // The fetch's failure is held until the previous page is saved, so what was read is kept for a resumption.
            Uni<Object> fetched = call.onItemOrFailure().transform((r, e) -> e != null ? e : r);
            return Uni.combine().all().unis(saving[0].replaceWith(Boolean.TRUE), fetched).asTuple().map(t -> {
                if (t.getItem2() instanceof Throwable e) {
                    throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
                }
                KlaviyoResponse r = (KlaviyoResponse) t.getItem2();
                List<ListedMember> page = read(r);
                out.addAll(page);
                cursor[0] = r.nextLink();
                saving[0] = sink.read(page, cursor[0]);
                return cursor[0] != null;
            });
        }).whilst(more -> more).collect().last().chain(() -> saving[0]).replaceWith(out);
    }

    /** One page's members, with their two properties. */
    private static List<ListedMember> read(KlaviyoResponse r) {
        if (!r.ok()) {
            throw new KlaviyoRejectedException(r.describe());
        }
        List<ListedMember> page = new ArrayList<>();
        for (Object o : r.dataArray()) {
            if (o instanceof JsonObject p && p.getString("id") != null) {
                JsonObject a = attributes(p);
                JsonObject props = a.getValue("properties") instanceof JsonObject j ? j : new JsonObject();
                page.add(new ListedMember(p.getString("id"), ContactKey.normaliseEmail(a.getString("email")),
                        plain(props.getValue(NostoProperties.NOSTO_SEGMENT)), plain(props.getValue(NostoProperties.NOSTO_SEGMENTS))));
            }
        }
        return page;
    }

    /** JSON arrays and objects as plain Java lists and maps, so they compare with the ledger's values. */
    private static Object plain(Object v) {
        if (v instanceof JsonArray a) {
            return a.getList();
        }
        return v instanceof JsonObject o ? o.getMap() : v;
    }

    /** email → the profile id Klaviyo has for it; emails it does not know are absent. */
    Uni<Map<String, String>> profileIds(KlaviyoCredentials cred, List<String> emails) {
        Map<String, String> ids = new ConcurrentHashMap<>();
        if (emails.isEmpty()) {
            return Uni.createFrom().item(ids);
        }
        return Multi.createFrom().iterable(SyncPlanner.lookupChunks(emails, batching.lookupChunk(), batching.lookupMaxQueryChars()))
                .onItem().transformToUni(chunk -> klaviyo.findProfilesByEmails(cred, chunk).invoke(r -> {
                    if (!r.ok()) {
                        throw new KlaviyoRejectedException("profile lookup: " + r.describe());
                    }
                    r.dataArray().forEach(o -> {
                        if (o instanceof JsonObject p && p.getString("id") != null) {
                            String email = ContactKey.normaliseEmail(attributes(p).getString("email"));
                            if (email != null) {
                                ids.put(email, p.getString("id"));
                            }
                        }
                    });
                })).merge(Math.max(1, batching.concurrency()))
                .collect().last().replaceWith(ids);
    }
}
