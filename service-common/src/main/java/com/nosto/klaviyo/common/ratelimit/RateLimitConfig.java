package com.nosto.klaviyo.common.ratelimit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.time.Duration;
import java.util.Map;

/** Per-account limits of the {@link RateLimited} endpoints, by bucket name ({@code rate-limit."resync".permits=5}). */
@ConfigMapping(prefix = "rate-limit")
public interface RateLimitConfig {

    @WithParentName
    Map<String, Bucket> buckets();

    interface Bucket {
        /** Calls an account may make at once, and per period once they are spent. */
        @WithDefault("10")
        int permits();

        @WithDefault("PT1M")
        Duration period();
    }
}
