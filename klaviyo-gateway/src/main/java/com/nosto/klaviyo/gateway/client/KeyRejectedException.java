package com.nosto.klaviyo.gateway.client;

/** Klaviyo answered 401/403: the key is invalid, revoked or lacks scopes. Retrying cannot help. */
public class KeyRejectedException extends RuntimeException {

    private final int status;

    public KeyRejectedException(int status, String detail) {
        super("Klaviyo rejected the private API key (HTTP " + status + ")" + (detail == null || detail.isBlank() ? "" : ": " + detail));
        this.status = status;
    }

    public int status() {
        return status;
    }
}
