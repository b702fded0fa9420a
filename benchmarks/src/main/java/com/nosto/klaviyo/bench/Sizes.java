package com.nosto.klaviyo.bench;

/**
 * How big one benchmark run is. {@code divisor} scales the Klaviyo window and every chunk size of the gateway and
 * sync-worker by the same factor, so a small run makes the same number of calls in the same proportions as the full
 * one (bulk jobs of 10,000/d, list calls of 1,000/d, SyncBatches of 500/d).
 *
 * @param name        full | small | tiny
 * @param events      segment events for the throughput figure
 * @param divisor     1 for the sizes; 10 or 100 to scale the window and the chunk sizes down
 * @param entering    contacts entering the list in the measured window
 * @param moving      contacts moving between synced segments (stay in the list)
 * @param leaving     contacts leaving every synced segment
 * @param deleted     contacts deleted in Nosto
 * @param memorySmall pending contacts held by sync-worker, first measurement
 * @param memoryLarge pending contacts held by sync-worker, second measurement
 * @param rateScale   multiplies Klaviyo's published rate limits (emulator and gateway pacer alike)
 * @param accounts        figure 7: small accounts released at the same moment
 * @param accountContacts figure 7: contacts entering each small account's list in its window
 * @param largeAccount    figure 7: contacts entering the one large account's list, released with the small ones
 * @param firstEnable     figure 8: members of the segment switched on for the first time
 */
public record Sizes(String name, int events, int divisor, int entering, int moving, int leaving, int deleted,
        int memorySmall, int memoryLarge, double rateScale, int accounts, int accountContacts, int largeAccount,
        int firstEnable) {

    public static Sizes full() {
        return new Sizes("full", 1_000_000, 1, 100_000, 20_000, 20_000, 5_000, 1_000_000, 5_000_000, 0.1,
                1_000, 100, 100_000, 1_000_000);
    }

    public static Sizes small() {
        return scaled("small", 20_000, 10, 10_000, 50_000, 0.5, 50, 20, 20_000);
    }

    public static Sizes tiny() {
        return scaled("tiny", 2_000, 100, 1_000, 5_000, 1.0, 5, 5, 500);
    }

    /**
     * The window, the chunk sizes and figure 7's large account divided by the divisor; the number of small accounts,
     * their size and figure 8's segment are given (a small account must stay at or above the scaled bulk threshold,
     * 100 / divisor, so it makes the calls a full-size one makes: one bulk job and its polls).
     */
    private static Sizes scaled(String name, int events, int divisor, int memSmall, int memLarge, double rateScale,
            int accounts, int accountContacts, int firstEnable) {
        Sizes f = full();
        return new Sizes(name, events, divisor, f.entering / divisor, f.moving / divisor, f.leaving / divisor,
                f.deleted / divisor, memSmall, memLarge, rateScale, accounts, accountContacts, f.largeAccount / divisor,
                firstEnable);
    }

    public static Sizes named(String name) {
        return switch (name) {
            case "full" -> full();
            case "small" -> small();
            case "tiny" -> tiny();
            default -> throw new IllegalArgumentException("--scale must be full, small or tiny, not " + name);
        };
    }

    public Sizes withEvents(int n) {
        return new Sizes(name, n, divisor, entering, moving, leaving, deleted, memorySmall, memoryLarge, rateScale,
                accounts, accountContacts, largeAccount, firstEnable);
    }

    public Sizes withMemory(int small, int large) {
        return new Sizes(name, events, divisor, entering, moving, leaving, deleted, small, large, rateScale,
                accounts, accountContacts, largeAccount, firstEnable);
    }

    public Sizes withRateScale(double scale) {
        return new Sizes(name, events, divisor, entering, moving, leaving, deleted, memorySmall, memoryLarge, scale,
                accounts, accountContacts, largeAccount, firstEnable);
    }

    /** Figure 7: {@code accounts} small accounts of {@code contacts} each, and one large account of {@code large}. */
    public Sizes withAccounts(int accounts, int contacts, int large) {
        return new Sizes(name, events, divisor, entering, moving, leaving, deleted, memorySmall, memoryLarge, rateScale,
                accounts, contacts, large, firstEnable);
    }

    /** Figure 8: the members of the segment switched on for the first time. */
    public Sizes withFirstEnable(int members) {
        return new Sizes(name, events, divisor, entering, moving, leaving, deleted, memorySmall, memoryLarge, rateScale,
                accounts, accountContacts, largeAccount, members);
    }

    /** A chunk size of the full system divided by the divisor, at least 1. */
    public int chunk(int fullSize) {
        return Math.max(1, fullSize / divisor);
    }

    /** Klaviyo's caps scaled to this run: profiles per bulk job, members per list call, emails per lookup. */
    public Limits.Caps caps() {
        return new Limits.Caps(chunk(10_000), chunk(1_000), chunk(100));
    }
}
