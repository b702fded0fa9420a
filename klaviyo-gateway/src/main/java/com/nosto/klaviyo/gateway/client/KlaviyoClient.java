package com.nosto.klaviyo.gateway.client;

import com.nosto.klaviyo.common.tracing.Tracing;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;
import com.nosto.klaviyo.gateway.domain.RatePacer;
import com.nosto.klaviyo.gateway.metrics.GatewayMetrics;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one way to Klaviyo. Every public method is one allow-listed operation ({@link KlaviyoOperation})
 * whose body is built here from typed inputs, so only list membership and the two Nosto properties can
 * ever be written (G4, G5). The answer is a {@link KlaviyoResponse} whose {@link KlaviyoResponse.Outcome} says what
 * it means (gone, duplicate, invalid rows, refused); a rejected key is {@link KeyRejectedException}, a Klaviyo that
 * keeps failing {@link KlaviyoUnavailableException}, a lease that ended {@code AccountLease.LeaseLostException}.
 * Pacing, lease checks and retries: {@link KlaviyoTransport}.
 */
@ApplicationScoped
public class KlaviyoClient {

    private final KlaviyoTransport transport;

    public KlaviyoClient(Vertx vertx, KlaviyoConfig config, GatewayMetrics metrics, SentRequestLog sent, Tracing tracing) {
        this.transport = new KlaviyoTransport(vertx, config, metrics, sent, tracing);
    }

    @PreDestroy
    void close() {
        transport.close();
    }

    /** This replica's pacing state; an account's part of it travels with the account's lease. */
    public RatePacer pacer() {
        return transport.pacer();
    }

    // ---- Account ------------------------------------------------------------------------------------

    /** The Klaviyo account this key belongs to (one account in {@code data}); also checks the key. */
    public Uni<KlaviyoResponse> getAccounts(KlaviyoCredentials cred) {
        return transport.send(cred, KlaviyoOperation.GET_ACCOUNTS, null, Map.of(), null);
    }

    // ---- Lists ------------------------------------------------------------------------------------

    /** Lists with exactly this name (G1: look before creating). Also the cheapest way to validate a key. */
    public Uni<KlaviyoResponse> findListsByName(KlaviyoCredentials cred, String name) {
        return transport.send(cred, KlaviyoOperation.GET_LISTS, null, query("filter", "equals(name," + quoted(name) + ")"), null);
    }

    public Uni<KlaviyoResponse> getList(KlaviyoCredentials cred, String listId) {
        return transport.send(cred, KlaviyoOperation.GET_LIST, listId, Map.of(), null);
    }

    /** Only the name: opt_in_process is left to the account default, no consent setting is ever sent. */
    public Uni<KlaviyoResponse> createList(KlaviyoCredentials cred, String name) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "list")
                .put("attributes", new JsonObject().put("name", name)));
        return transport.send(cred, KlaviyoOperation.CREATE_LIST, null, Map.of(), body);
    }

    /** Only the name (the list was renamed in Klaviyo; G1 names it). */
    public Uni<KlaviyoResponse> renameList(KlaviyoCredentials cred, String listId, String name) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "list").put("id", listId)
                .put("attributes", new JsonObject().put("name", name)));
        return transport.send(cred, KlaviyoOperation.UPDATE_LIST, listId, Map.of(), body);
    }

    /** The first page of the list's members (100, the maximum) with only their email and properties. */
    public Uni<KlaviyoResponse> getListMembers(KlaviyoCredentials cred, String listId) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("fields[profile]", "email,properties");
        q.put("page[size]", "100");
        return transport.send(cred, KlaviyoOperation.GET_PROFILES_FOR_LIST, listId, q, null);
    }

    /** A following page of the list's members, from {@code links.next}; refused unless it is the same list on the same path. */
    public Uni<KlaviyoResponse> getListMembersPage(KlaviyoCredentials cred, String listId, String nextLink) {
        URI next = URI.create(nextLink);
        if (!KlaviyoOperation.GET_PROFILES_FOR_LIST.path(listId).equals(next.getRawPath())) {
            return Uni.createFrom().failure(new IllegalStateException("Unexpected pagination link for list members"));
        }
        return transport.send(cred, KlaviyoOperation.GET_PROFILES_FOR_LIST, listId, rawQuery(next.getRawQuery()), null);
    }

    /** ≤1000 profile ids; membership only, consent unaffected (spec: add_profiles_to_list). */
    public Uni<KlaviyoResponse> addToList(KlaviyoCredentials cred, String listId, List<String> profileIds) {
        return transport.send(cred, KlaviyoOperation.ADD_PROFILES_TO_LIST, listId, Map.of(), profileRefs(profileIds));
    }

    /** ≤1000 profile ids; "will not impact the profile's consent status" (spec: remove_profiles_from_list). */
    public Uni<KlaviyoResponse> removeFromList(KlaviyoCredentials cred, String listId, List<String> profileIds) {
        return transport.send(cred, KlaviyoOperation.REMOVE_PROFILES_FROM_LIST, listId, Map.of(), profileRefs(profileIds));
    }

    // ---- Profiles -----------------------------------------------------------------------------------

    /** Up to 100 emails in one {@code any(email,[…])} filter; the whole expression is URL-encoded. */
    public Uni<KlaviyoResponse> findProfilesByEmails(KlaviyoCredentials cred, List<String> emails) {
        String list = emails.stream().map(KlaviyoClient::quoted).collect(Collectors.joining(","));
        Map<String, String> q = new LinkedHashMap<>();
        q.put("filter", "any(email,[" + list + "])");
        q.put("fields[profile]", "email");
        q.put("page[size]", String.valueOf(Math.max(1, Math.min(100, emails.size()))));
        return transport.send(cred, KlaviyoOperation.GET_PROFILES, null, q, null);
    }

    /** Upsert by email with only the two properties; 201 created / 200 updated, the id in data.id. */
    public Uni<KlaviyoResponse> importProfile(KlaviyoCredentials cred, String email, NostoProperties props) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "profile")
                .put("attributes", new JsonObject().put("email", email).put("properties", props.toJson())));
        return transport.send(cred, KlaviyoOperation.CREATE_OR_UPDATE_PROFILE, null, Map.of(), body);
    }

    /** Sets the two properties of a known profile (after a 409 duplicate, for example). */
    public Uni<KlaviyoResponse> updateProperties(KlaviyoCredentials cred, String profileId, NostoProperties props) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "profile").put("id", profileId)
                .put("attributes", new JsonObject().put("properties", props.toJson())));
        return transport.send(cred, KlaviyoOperation.UPDATE_PROFILE, profileId, Map.of(), body);
    }

    /** Removes both properties from a known profile with {@code meta.patch_properties.unset}. */
    public Uni<KlaviyoResponse> unsetProperties(KlaviyoCredentials cred, String profileId) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "profile").put("id", profileId)
                .put("attributes", new JsonObject()).put("meta", NostoProperties.unsetMeta()));
        return transport.send(cred, KlaviyoOperation.UPDATE_PROFILE, profileId, Map.of(), body);
    }

    // ---- Bulk import jobs -----------------------------------------------------------------------------

    /** One profile of a bulk job: either set the two properties (upsert by email) or unset them (known id). */
    public record BulkProfile(String email, String profileId, NostoProperties set) {

        public static BulkProfile upsert(String email, NostoProperties props) {
            return new BulkProfile(email, null, props);
        }

        public static BulkProfile unset(String email, String profileId) {
            return new BulkProfile(email, profileId, null);
        }

        JsonObject toJson() {
            JsonObject attrs = new JsonObject().put("email", email);
            JsonObject p = new JsonObject().put("type", "profile");
            if (profileId != null) {
                p.put("id", profileId);
            }
            if (set != null) {
                attrs.put("properties", set.toJson());
                p.put("attributes", attrs);
            } else {
                p.put("attributes", attrs).put("meta", NostoProperties.unsetMeta());
            }
            return p;
        }
    }

    /** ≤10,000 profiles and ≤5 MB (the planner sizes chunks); the list, when given, goes in relationships. */
    public Uni<KlaviyoResponse> createBulkImportJob(KlaviyoCredentials cred, List<BulkProfile> profiles, String listIdOrNull) {
        JsonArray data = new JsonArray();
        profiles.forEach(p -> data.add(p.toJson()));
        JsonObject job = new JsonObject().put("type", "profile-bulk-import-job")
                .put("attributes", new JsonObject().put("profiles", new JsonObject().put("data", data)));
        if (listIdOrNull != null) {
            job.put("relationships", new JsonObject().put("lists", new JsonObject()
                    .put("data", new JsonArray().add(new JsonObject().put("type", "list").put("id", listIdOrNull)))));
        }
        return transport.send(cred, KlaviyoOperation.BULK_IMPORT_PROFILES, null, Map.of(), new JsonObject().put("data", job));
    }

    public Uni<KlaviyoResponse> getBulkImportJob(KlaviyoCredentials cred, String jobId) {
        return transport.send(cred, KlaviyoOperation.GET_BULK_IMPORT_JOB, jobId, Map.of(), null);
    }

    /** First page of a job's per-row errors (page size 100, the maximum). */
    public Uni<KlaviyoResponse> getBulkImportErrors(KlaviyoCredentials cred, String jobId) {
        return transport.send(cred, KlaviyoOperation.GET_BULK_IMPORT_ERRORS, jobId, query("page[size]", "100"), null);
    }

    /** A following page, from {@code links.next}; refused unless it is the same operation on the same host. */
    public Uni<KlaviyoResponse> getBulkImportErrorsPage(KlaviyoCredentials cred, String jobId, String nextLink) {
        URI next = URI.create(nextLink);
        String expectedPath = KlaviyoOperation.GET_BULK_IMPORT_ERRORS.path(jobId);
        if (!expectedPath.equals(next.getRawPath())) {
            return Uni.createFrom().failure(new IllegalStateException("Unexpected pagination link for import-errors"));
        }
        return transport.send(cred, KlaviyoOperation.GET_BULK_IMPORT_ERRORS, jobId, rawQuery(next.getRawQuery()), null);
    }

    // ---- Data privacy (off by default) ---------------------------------------------------------------

    public Uni<KlaviyoResponse> requestProfileDeletion(KlaviyoCredentials cred, String profileId) {
        JsonObject body = new JsonObject().put("data", new JsonObject().put("type", "data-privacy-deletion-job")
                .put("attributes", new JsonObject().put("profile", new JsonObject().put("data",
                        new JsonObject().put("type", "profile").put("id", profileId)))));
        return transport.send(cred, KlaviyoOperation.REQUEST_PROFILE_DELETION, null, Map.of(), body);
    }

    private static JsonObject profileRefs(List<String> ids) {
        JsonArray data = new JsonArray();
        ids.forEach(id -> data.add(new JsonObject().put("type", "profile").put("id", id)));
        return new JsonObject().put("data", data);
    }

    /** A JSON:API filter string literal: double-quoted, with quotes and backslashes escaped. */
    static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Every key and value fully encoded: a '+' in an email must arrive as '+' (magento2-klaviyo#295). */
    static String encodeQuery(Map<String, String> query) {
        return KlaviyoTransport.encodeQuery(query);
    }

    private static Map<String, String> query(String k, String v) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put(k, v);
        return q;
    }

    private static Map<String, String> rawQuery(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String k = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                q.put(k, v);
            }
        }
        return q;
    }
}
