package com.nosto.klaviyo.gateway.client;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import com.nosto.klaviyo.gateway.config.KlaviyoConfig;

/**
 * Keeps the requests sent to Klaviyo when {@code klaviyo.record-requests=true} (tests only), so a
 * contract test can validate every one of them against the official spec. Off in production.
 */
@ApplicationScoped
public class SentRequestLog {

    private static final int MAX = 20_000;

    private final boolean enabled;
    private final List<SentRequest> requests = new ArrayList<>();

    public SentRequestLog(KlaviyoConfig config) {
        this.enabled = config.recordRequests();
    }

    public boolean enabled() {
        return enabled;
    }

    synchronized void add(SentRequest r) {
        if (enabled && requests.size() < MAX) {
            requests.add(r);
        }
    }

    public synchronized List<SentRequest> all() {
        return List.copyOf(requests);
    }
}
