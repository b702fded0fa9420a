package com.nosto.klaviyo.gateway.client;

import com.nosto.klaviyo.gateway.domain.AccountLease;
import io.opentelemetry.context.Context;

/**
 * Whose quota, which key, and the lease under which the calls are made: the client checks the lease before every
 * call, so a replica that lost an account never calls Klaviyo for it again. toString never shows the key (G12).
 * {@code trace}: the context the calls' spans belong to (the chunk being applied), or null for the current one.
 */
public record KlaviyoCredentials(String accountId, String apiKey, AccountLease lease, Context trace) {

    public KlaviyoCredentials(String accountId, String apiKey, AccountLease lease) {
        this(accountId, apiKey, lease, null);
    }

    /** The same credentials, the calls made with them traced under {@code context}. */
    public KlaviyoCredentials tracedIn(Context context) {
        return new KlaviyoCredentials(accountId, apiKey, lease, context);
    }

    @Override
    public String toString() {
        return "KlaviyoCredentials[accountId=" + accountId + ", apiKey=***]";
    }
}
