package com.nosto.klaviyo.e2e.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A backup of one service's schema, taken and restored as an SRE would while the rest of the system runs on.
 *
 * <p>With {@code pg_dump} and {@code pg_restore} on the PATH and of the server's major version, the backup is
 * {@code pg_dump -n <schema> -Fc} and the restore {@code pg_restore --clean --if-exists --single-transaction}: the
 * schema dropped and recreated as it was. Otherwise (an embedded PostgreSQL, or client tools of another version) it is
 * the same in plain SQL: every table of the schema copied into a backup schema and every sequence's value kept, and the
 * restore empties the tables and copies the rows back, in one transaction, with the sequences set back. Either way the
 * schema holds exactly what it held when the backup was taken, also the sequences. {@code -De2e.schema-backup=sql}
 * forces the SQL way.
 */
public final class SchemaBackup implements AutoCloseable {

    private final Map<String, String> database;
    private final String schema;
    private final String method;
    /** pg_dump: the dump file. */
    private final Path dump;
    /** SQL: the schema holding the copies, the tables copied and each sequence's (name, last_value, is_called). */
    private final String copy;
    private final List<String> tables = new ArrayList<>();
    private final List<Object[]> sequences = new ArrayList<>();

    private SchemaBackup(Map<String, String> database, String schema, String method) {
        this.database = database;
        this.schema = schema;
        this.method = method;
        this.dump = method.equals("pg_dump") ? tempFile() : null;
        this.copy = method.equals("sql") ? schema + "_backup_" + UUID.randomUUID().toString().substring(0, 8) : null;
    }

    /** Takes a backup of {@code schema} of the database given as {@code quarkus.datasource.*} settings. */
    public static SchemaBackup take(Map<String, String> database, String schema) {
        String forced = System.getProperty("e2e.schema-backup", "");
        String method = forced.equals("sql") || !clientToolsMatch(database) ? "sql" : "pg_dump";
        SchemaBackup backup = new SchemaBackup(database, schema, method);
        if (method.equals("pg_dump")) {
            backup.run("pg_dump", "-n", schema, "-Fc", "-f", backup.dump.toString());
        } else {
            backup.copyTables();
        }
        return backup;
    }

    /** {@code pg_dump} or {@code sql}: how the backup was taken. */
    public String method() {
        return method;
    }

    /** Puts the schema back as it was when the backup was taken. Stop the schema's service first. */
    public void restore() {
        if (method.equals("pg_dump")) {
            run("pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-owner", dump.toString());
        } else {
            restoreTables();
        }
    }

    private void copyTables() {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            // One snapshot for every table and sequence, as pg_dump takes it.
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            try (ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + schema + "' AND table_type = 'BASE TABLE' ORDER BY table_name")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = '"
                    + schema + "'")) {
                while (rs.next()) {
                    // last_value is NULL for a sequence never used: restored as "not called" at its start.
                    sequences.add(new Object[] {rs.getString(1), rs.getObject(2)});
                }
            }
            st.execute("CREATE SCHEMA " + copy);
            for (String t : tables) {
                st.execute("CREATE TABLE " + copy + "." + q(t) + " AS TABLE " + schema + "." + q(t));
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot copy schema " + schema, e);
        }
    }

    private void restoreTables() {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            // Rows go back table by table: foreign keys are not checked while they do (pg_restore --disable-triggers).
            st.execute("SET LOCAL session_replication_role = replica");
            st.execute("TRUNCATE " + String.join(", ", tables.stream().map(t -> schema + "." + q(t)).toList()));
            for (String t : tables) {
                st.execute("INSERT INTO " + schema + "." + q(t) + " SELECT * FROM " + copy + "." + q(t));
            }
            for (Object[] s : sequences) {
                String name = "'" + schema + "." + q((String) s[0]).replace("'", "''") + "'";
                st.execute(s[1] == null
                        ? "SELECT setval(" + name + ", (SELECT seqstart FROM pg_sequence WHERE seqrelid = " + name + "::regclass), false)"
                        : "SELECT setval(" + name + ", " + s[1] + ", true)");
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot restore schema " + schema, e);
        }
    }

    /** Runs a PostgreSQL client tool against the database; its output only shows when it fails. */
    private void run(String tool, String... args) {
        String jdbc = database.get("quarkus.datasource.jdbc.url");
        String hostPortDb = jdbc.substring("jdbc:postgresql://".length());
        List<String> cmd = new ArrayList<>(List.of(tool, "-h", hostPortDb.substring(0, hostPortDb.indexOf(':')),
                "-p", hostPortDb.substring(hostPortDb.indexOf(':') + 1, hostPortDb.indexOf('/')),
                "-U", database.get("quarkus.datasource.username"), "-d", hostPortDb.substring(hostPortDb.indexOf('/') + 1)));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", database.getOrDefault("quarkus.datasource.password", ""));
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(tool + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + tool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** pg_dump and pg_restore are on the PATH and of the server's major version. */
    private static boolean clientToolsMatch(Map<String, String> database) {
        try (Connection c = DriverManager.getConnection(database.get("quarkus.datasource.jdbc.url"),
                database.get("quarkus.datasource.username"), database.get("quarkus.datasource.password"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version_num")) {
            rs.next();
            int server = Integer.parseInt(rs.getString(1)) / 10000;
            return toolMajor("pg_dump") == server && toolMajor("pg_restore") == server;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the server's version", e);
        }
    }

    /** The major version {@code tool --version} prints ("pg_dump (PostgreSQL) 15.20 …"), or -1 when it does not run. */
    private static int toolMajor(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return -1;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\) (\\d+)").matcher(out);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(database.get("quarkus.datasource.jdbc.url"),
                database.get("quarkus.datasource.username"), database.get("quarkus.datasource.password"));
    }

    private static String q(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static Path tempFile() {
        try {
            return Files.createTempFile("schema-backup", ".dump");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Drops what the backup kept (the dump file, or the copies' schema). */
    @Override
    public void close() {
        if (dump != null) {
            try {
                Files.deleteIfExists(dump);
            } catch (IOException ignored) {
                // a temporary file
            }
        }
        if (copy != null) {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + copy + " CASCADE");
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot drop " + copy, e);
            }
        }
    }
}
