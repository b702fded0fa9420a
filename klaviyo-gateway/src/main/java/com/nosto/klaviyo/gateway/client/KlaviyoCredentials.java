package com.nosto.klaviyo.gateway.client;

/** Whose quota and which key a call uses. toString never shows the key (G12). */
public record KlaviyoCredentials(String accountId, String apiKey) {

    @Override
    public String toString() {
        return "KlaviyoCredentials[accountId=" + accountId + ", apiKey=***]";
    }
}
