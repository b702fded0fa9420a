package com.nosto.klaviyo.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What PostgreSQL did for a phase, from its own statistics: rows inserted, updated (of them HOT, i.e. without
 * index writes) and deleted per table of the services' database ({@code pg_stat_user_tables}), transactions
 * committed ({@code pg_stat_database}) and WAL written ({@code pg_current_wal_lsn()}). With the CPU profile this
 * says why PostgreSQL's share of figure 1 is what it is. The WAL position is the server's: other databases writing
 * at the same time inflate it (the per-table and per-database counts are this database's only).
 */
final class PostgresProfile {

    /** Counters of one table: inserted, updated, HOT-updated and deleted rows. */
    record Rows(long inserted, long updated, long hotUpdated, long deleted) {
        Rows minus(Rows o) {
            return new Rows(inserted - o.inserted, updated - o.updated, hotUpdated - o.hotUpdated, deleted - o.deleted);
        }

        long written() {
            return inserted + updated + deleted;
        }
    }

    /** The counters at one instant; empty tables map when the database could not be read. */
    record Sample(Map<String, Rows> tables, long commits, long walBytes) {
    }

    private PostgresProfile() {
    }

    /** @param settings {@code quarkus.datasource.jdbc.url}, {@code .username}, {@code .password} */
    static Sample sample(Map<String, String> settings) {
        try (Connection c = DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"),
                settings.get("quarkus.datasource.username"), settings.get("quarkus.datasource.password"));
             Statement s = c.createStatement()) {
            // Counters of this backend's own pending work are flushed at transaction end; the services' at theirs.
            Map<String, Rows> tables = new TreeMap<>();
            try (ResultSet r = s.executeQuery("select schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_hot_upd,"
                    + " n_tup_del from pg_stat_user_tables")) {
                while (r.next()) {
                    tables.put(r.getString(1), new Rows(r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)));
                }
            }
            long commits;
            try (ResultSet r = s.executeQuery("select xact_commit from pg_stat_database where datname = current_database()")) {
                commits = r.next() ? r.getLong(1) : 0;
            }
            long wal;
            try (ResultSet r = s.executeQuery("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
                wal = r.next() ? r.getLong(1) : 0;
            }
            return new Sample(tables, commits, wal);
        } catch (SQLException e) {
            return new Sample(Map.of(), 0, 0);
        }
    }

    /** Per-unit figures between two samples: rows written by table, commits and WAL bytes. */
    static Map<String, Object> between(Sample a, Sample b, long units) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (b.tables().isEmpty()) {
            out.put("unavailable", "the database's statistics could not be read");
            return out;
        }
        double n = Math.max(1, units);
        Map<String, Object> byTable = new TreeMap<>();
        long written = 0;
        long indexedUpdates = 0;
        for (Map.Entry<String, Rows> e : b.tables().entrySet()) {
            Rows d = e.getValue().minus(a.tables().getOrDefault(e.getKey(), new Rows(0, 0, 0, 0)));
            if (d.written() == 0) {
                continue;
            }
            written += d.written();
            indexedUpdates += d.updated() - d.hotUpdated();
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("insertedPerUnit", round(d.inserted() / n));
            t.put("updatedPerUnit", round(d.updated() / n));
            t.put("hotUpdatedPerUnit", round(d.hotUpdated() / n));
            t.put("deletedPerUnit", round(d.deleted() / n));
            byTable.put(e.getKey(), t);
        }
        out.put("units", units);
        out.put("rowsWrittenPerUnit", round(written / n));
        out.put("nonHotUpdatesPerUnit", round(indexedUpdates / n));
        out.put("commitsPerUnit", round((b.commits() - a.commits()) / n));
        out.put("walBytesPerUnit", round((b.walBytes() - a.walBytes()) / n));
        out.put("byTable", byTable);
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
