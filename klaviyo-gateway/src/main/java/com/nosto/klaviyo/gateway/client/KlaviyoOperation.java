package com.nosto.klaviyo.gateway.client;

/**
 * The allow-list (G4): the only Klaviyo operations this service can call. The client has no way to
 * send a request that is not one of these, so subscription, suppression and consent endpoints are
 * unreachable by construction. Each names its spec operationId (metrics, contract test) and rate tier.
 */
public enum KlaviyoOperation {
    /** Which Klaviyo account a key reaches (at connect: a key of another account must not inherit this one's ledger). */
    GET_ACCOUNTS("get_accounts", "GET", "/api/accounts", Tier.ACCOUNTS, true),
    GET_LISTS("get_lists", "GET", "/api/lists", Tier.LISTS_READ, true),
    GET_LIST("get_list", "GET", "/api/lists/{id}", Tier.LISTS_READ, true),
    /** Not retried automatically: a timed-out create may have succeeded, and list creation is capped at 150/day. */
    CREATE_LIST("create_list", "POST", "/api/lists", Tier.LIST_CREATE, false),
    /** Renames the list back after a merchant renamed it (audit repair); limits as list membership (10/s, 150/m). */
    UPDATE_LIST("update_list", "PATCH", "/api/lists/{id}", Tier.LIST_MEMBERS, true),
    /** The list's members with their properties, a page of 100 at a time (audit). */
    GET_PROFILES_FOR_LIST("get_profiles_for_list", "GET", "/api/lists/{id}/profiles", Tier.LISTS_READ, true),
    ADD_PROFILES_TO_LIST("add_profiles_to_list", "POST", "/api/lists/{id}/relationships/profiles", Tier.LIST_MEMBERS, true),
    REMOVE_PROFILES_FROM_LIST("remove_profiles_from_list", "DELETE", "/api/lists/{id}/relationships/profiles", Tier.LIST_MEMBERS, true),
    GET_PROFILES("get_profiles", "GET", "/api/profiles", Tier.PROFILES, true),
    CREATE_OR_UPDATE_PROFILE("create_or_update_profile", "POST", "/api/profile-import", Tier.PROFILES, true),
    UPDATE_PROFILE("update_profile", "PATCH", "/api/profiles/{id}", Tier.PROFILES, true),
    BULK_IMPORT_PROFILES("bulk_import_profiles", "POST", "/api/profile-bulk-import-jobs", Tier.BULK, true),
    GET_BULK_IMPORT_JOB("get_bulk_import_profiles_job", "GET", "/api/profile-bulk-import-jobs/{job_id}", Tier.BULK, true),
    GET_BULK_IMPORT_ERRORS("get_errors_for_bulk_import_profiles_job", "GET", "/api/profile-bulk-import-jobs/{id}/import-errors",
            Tier.BULK, true),
    /** Only with klaviyo.delete-profiles-on-nosto-delete=true. */
    REQUEST_PROFILE_DELETION("request_profile_deletion", "POST", "/api/data-privacy-deletion-jobs", Tier.DELETION, true);

    /** Klaviyo rate tiers this service touches (limits in KlaviyoConfig.RateLimits). */
    public enum Tier { ACCOUNTS, LISTS_READ, LIST_CREATE, LIST_MEMBERS, PROFILES, BULK, DELETION }

    private final String operationId;
    private final String method;
    private final String pathTemplate;
    private final Tier tier;
    private final boolean retryable;

    KlaviyoOperation(String operationId, String method, String pathTemplate, Tier tier, boolean retryable) {
        this.operationId = operationId;
        this.method = method;
        this.pathTemplate = pathTemplate;
        this.tier = tier;
        this.retryable = retryable;
    }

    public String operationId() {
        return operationId;
    }

    public String method() {
        return method;
    }

    public String pathTemplate() {
        return pathTemplate;
    }

    public Tier tier() {
        return tier;
    }

    public boolean retryable() {
        return retryable;
    }

    public boolean isWrite() {
        return !"GET".equals(method);
    }

    /** Fills the single path parameter, URL-encoded. */
    String path(String id) {
        if (!pathTemplate.contains("{")) {
            return pathTemplate;
        }
        String encoded = java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        return pathTemplate.replaceFirst("\\{[a-z_]+}", encoded);
    }
}
