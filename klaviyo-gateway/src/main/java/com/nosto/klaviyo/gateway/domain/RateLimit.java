package com.nosto.klaviyo.gateway.domain;

/** A Klaviyo rate tier: requests per 1-second burst window and per 1-minute steady window. */
public record RateLimit(int perSecond, int perMinute) {

    /** Parses {@code "10/s,150/m"} (the x-klaviyo-ratelimit notation). */
    public static RateLimit parse(String spec) {
        int perSecond = -1;
        int perMinute = -1;
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.endsWith("/s")) {
                perSecond = Integer.parseInt(p.substring(0, p.length() - 2).trim());
            } else if (p.endsWith("/m")) {
                perMinute = Integer.parseInt(p.substring(0, p.length() - 2).trim());
            }
        }
        if (perSecond <= 0 || perMinute <= 0) {
            throw new IllegalArgumentException("Rate limit must look like '10/s,150/m': " + spec);
        }
        return new RateLimit(perSecond, perMinute);
    }
}
