package com.nosto.klaviyo.gateway.client;

import com.nosto.klaviyo.gateway.domain.AccountLease;

/**
 * Whose quota, which key, and the lease under which the calls are made: the client checks the lease before every
 * call, so a replica that lost an account never calls Klaviyo for it again. toString never shows the key (G12).
 */
public record KlaviyoCredentials(String accountId, String apiKey, AccountLease lease) {

    @Override
    public String toString() {
        return "KlaviyoCredentials[accountId=" + accountId + ", apiKey=***]";
    }
}
