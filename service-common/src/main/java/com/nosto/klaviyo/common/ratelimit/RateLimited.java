package com.nosto.klaviyo.common.ratelimit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A resource method a merchant (or operator) can use to trigger work: calls are limited per account and bucket,
 * {@code rate-limit."<bucket>".permits} per {@code rate-limit."<bucket>".period} ({@link RateLimitConfig}); beyond
 * that the answer is 429 with {@code Retry-After} and a problem body. The path must have an {@code accountId}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RateLimited {

    /** The bucket: its configuration key, shared by the methods that name it. */
    String value();
}
