package com.nosto.klaviyo.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the gateway talks to Klaviyo: where, how patiently, how fast, and how it sizes calls. */
@ConfigMapping(prefix = "klaviyo")
public interface KlaviyoConfig {

    /** Klaviyo base URL (env KLAVIYO_BASE_URL); tests and the local run point it at the emulator. */
    @WithDefault("https://a.klaviyo.com")
    String baseUrl();

    /** The API revision sent on every call; the request shapes in client/ are written for it. */
    @WithDefault("2026-07-15")
    String revision();

    /** Name of the one list per account (G1). */
    @WithDefault("Nosto Customers")
    String listName();

    /** TCP connect timeout. */
    @WithDefault("5s")
    Duration connectTimeout();

    /** Whole-request timeout; a timeout is retried like a 5xx. */
    @WithDefault("30s")
    Duration requestTimeout();

    /** Keep every sent request in memory for the contract test (tests only; never in production). */
    @WithDefault("false")
    boolean recordRequests();

    Retry retry();

    RateLimits rateLimits();

    Batching batching();

    /** Data-privacy deletion of the Klaviyo profile for contacts deleted from Nosto; off by default (merchant data). */
    @WithDefault("false")
    boolean deleteProfilesOnNostoDelete();

    interface Retry {
        /** Attempts for 5xx, connection resets and timeouts (first try included), exponential backoff with jitter. */
        @WithDefault("5")
        int maxAttempts();

        @WithDefault("200ms")
        Duration initialBackoff();

        @WithDefault("10s")
        Duration maxBackoff();

        /** How many 429s in a row one call waits out (each for Retry-After) before the batch is parked. */
        @WithDefault("20")
        int maxThrottledRetries();

        /** Upper bound on one Retry-After wait, so a bogus header cannot stall a consumer for hours. */
        @WithDefault("60s")
        Duration maxRetryAfter();
    }

    /**
     * Per-account pacing, as {@code burst/s,steady/m} (defaults from each operation's {@code x-klaviyo-ratelimit}
     * in the 2026-07-15 spec). Each value is the limit of every operation it names: Klaviyo counts each operation
     * separately (the spec states the limit per operation), so each operation has its own bucket of this size.
     * All private keys of one Klaviyo account share a quota.
     */
    interface RateLimits {
        /** get_accounts (XS tier). */
        @WithDefault("1/s,15/m")
        String accounts();

        /** get_lists, get_list (L tier). */
        @WithDefault("75/s,750/m")
        String listsRead();

        /** create_list (M tier, plus 150/day which find-by-name-first keeps us far from). */
        @WithDefault("10/s,150/m")
        String listCreate();

        /** add/remove_profiles_to/from_list (M tier). */
        @WithDefault("10/s,150/m")
        String listMembers();

        /** get_profiles, create_or_update_profile, update_profile (L tier). */
        @WithDefault("75/s,750/m")
        String profiles();

        /** bulk_import_profiles, get_bulk_import_profiles_job, import-errors (M tier). */
        @WithDefault("10/s,150/m")
        String bulkImport();

        /** request_profile_deletion (S tier). */
        @WithDefault("3/s,60/m")
        String deletion();

        /**
         * A call sent this close to the end of a 1 s or 1 min window is counted in the next window too: Klaviyo
         * counts a call in the window it arrives in, which may be the next one (network latency, a busy server),
         * and a window pushed over its limit costs a 429 and a whole second's wait. Under 1 s.
         */
        @WithDefault("250ms")
        Duration windowMargin();
    }

    interface Batching {
        /** A batch with at least this many entering/staying contacts uses bulk import jobs; fewer use profile-import. */
        @WithDefault("100")
        int bulkThreshold();

        /** At least this many leaving profiles are unset with one bulk job; fewer with one PATCH each. */
        @WithDefault("20")
        int unsetBulkThreshold();

        /** Klaviyo's cap on profiles per bulk import job. */
        @WithDefault("10000")
        int bulkMaxProfiles();

        /** Klaviyo's 5 MB payload cap, with headroom for the envelope. */
        @WithDefault("5000000")
        int bulkMaxBytes();

        /** Klaviyo's cap on ids per list add/remove call. */
        @WithDefault("1000")
        int listChunk();

        /** Emails per any(email,[…]) lookup (the page size maximum of get_profiles). */
        @WithDefault("100")
        int lookupChunk();

        /** Cap on the URL-encoded any(email,[…]) filter, so long emails split a lookup rather than overflow the request line. */
        @WithDefault("3800")
        int lookupMaxQueryChars();

        /**
         * Wait after submitting a bulk job before its first poll, and between the first polls; doubles up to
         * poll-max-interval. Klaviyo jobs take seconds, so an immediate poll only spends quota (and polls of
         * a window's jobs count toward its time to apply). When the account's earlier jobs took longer, the first
         * wait is that long instead (at most poll-max-interval), so a job is polled about once.
         */
        @WithDefault("1s")
        Duration pollInitialInterval();

        @WithDefault("5s")
        Duration pollMaxInterval();

        /** A job not complete after this is treated as a transient failure (the batch is parked and retried). */
        @WithDefault("15m")
        Duration jobTimeout();

        /**
         * Calls of one kind a window keeps in flight at once: bulk jobs (each submitted, then polled to
         * completion), list removals, profile lookups. Every call is still paced per operation; this only keeps
         * round trips and job processing times from holding the calls below the limits: at 75 lookups/s and
         * 200 ms per round trip, 15 must be in flight. Klaviyo documents no cap on concurrent jobs.
         */
        @WithDefault("16")
        int concurrency();
    }
}
