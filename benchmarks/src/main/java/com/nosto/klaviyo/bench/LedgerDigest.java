package com.nosto.klaviyo.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * sync-worker's end state for one account, as a digest that does not depend on the account's id or on which instance
 * did the work: per contact (by email), what it wants in Klaviyo, what it last released, and whether anything is still
 * pending ({@code sync_worker.contact_ledger}). Figure 10 runs figure 1 with one and with two instances of every service
 * on fresh accounts fed the same events: equal digests mean the two instances reached the same state as one.
 * Versions and times are left out (they are not part of the state Klaviyo sees).
 */
final class LedgerDigest {

    private static final String QUERY = "select count(*), count(*) filter (where pending or first_enable_pending),"
            + " coalesce(md5(string_agg(concat_ws('|', email, desired_in_list, desired_segment, desired_segments,"
            + " desired_deleted, pending, first_enable_pending, released_in_list, released_segment, released_segments,"
            + " released_deleted), ',' order by email)), '')"
            + " from sync_worker.contact_ledger where account_id = ?";

    private LedgerDigest() {
    }

    /** {@code contacts}, {@code pending} and {@code md5} of the account's ledger; {@code error} when unreadable. */
    static Map<String, Object> of(Map<String, String> settings, String account) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"),
                settings.get("quarkus.datasource.username"), settings.get("quarkus.datasource.password"));
             PreparedStatement s = c.prepareStatement(QUERY)) {
            s.setString(1, account);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                out.put("contacts", r.getLong(1));
                out.put("pending", r.getLong(2));
                out.put("md5", r.getString(3));
            }
        } catch (SQLException e) {
            out.put("error", e.getMessage());
        }
        return out;
    }
}
