package com.nosto.klaviyo.worker.support;

import com.nosto.klaviyo.testsupport.PostgresTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the worker's tables directly, to check what is stored (not only what the API says). */
public final class Db {

    private Db() {
    }

    public static List<Map<String, Object>> query(String sql, Object... params) {
        PostgresTestResource.Server s = PostgresTestResource.server();
        try (Connection c = DriverManager.getConnection(PostgresTestResource.jdbcUrl(), s.user(), s.password());
             PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                List<Map<String, Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Changes stored rows directly: what another instance or a failed send leaves behind. */
    public static int update(String sql, Object... params) {
        PostgresTestResource.Server s = PostgresTestResource.server();
        try (Connection c = DriverManager.getConnection(PostgresTestResource.jdbcUrl(), s.user(), s.password());
             PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            return st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    public static long count(String sql, Object... params) {
        return ((Number) query(sql, params).get(0).values().iterator().next()).longValue();
    }

    /** Version stored as the contact's latest desired state, or -1 if the contact is unknown. */
    public static long desiredVersion(String account, String email) {
        List<Map<String, Object>> rows = query(
                "select desired_version from sync_worker.contact_ledger where account_id = ? and email = ?", account, email);
        return rows.isEmpty() ? -1 : ((Number) rows.get(0).get("desired_version")).longValue();
    }

    public static Map<String, Object> ledger(String account, String email) {
        return query("select * from sync_worker.contact_ledger where account_id = ? and email = ?", account, email).get(0);
    }

    public static long contacts(String account) {
        return count("select count(*) from sync_worker.contact_ledger where account_id = ?", account);
    }

    public static long pending(String account) {
        return count("select count(*) from sync_worker.contact_ledger where account_id = ? and pending", account);
    }

    public static long outboxRows(String account) {
        return count("select count(*) from sync_worker.outbox_batch where account_id = ?", account);
    }

    public static long unpublished(String account) {
        return count("select count(*) from sync_worker.outbox_batch where account_id = ? and published_at is null", account);
    }

    public static List<Map<String, Object>> schedule(String account) {
        return query("select source_partition, regular_due_at, first_enable_due_at from sync_worker.window_schedule"
                + " where account_id = ? order by source_partition", account);
    }
}
