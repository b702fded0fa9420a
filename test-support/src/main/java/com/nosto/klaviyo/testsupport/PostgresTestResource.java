package com.nosto.klaviyo.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Hands a test its own, empty PostgreSQL database on a real server, chosen in this order:
 * <ol>
 *   <li>{@code POSTGRES_HOST} (+ {@code POSTGRES_PORT}, {@code POSTGRES_USER}, {@code POSTGRES_PASSWORD}) from the environment;</li>
 *   <li>a Testcontainers PostgreSQL, if a Docker engine is available;</li>
 *   <li>a server already listening on 127.0.0.1:5432 (user postgres);</li>
 *   <li>otherwise an embedded PostgreSQL started from Maven Central jars.</li>
 * </ol>
 * Each test JVM gets a fresh database (dropped on exit), so modules and parallel runs never share tables.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private static final Logger LOG = Logger.getLogger(PostgresTestResource.class);
    private static Server server;
    private static String database;

    /** Where a server is and how to log in as an administrator. */
    public record Server(String host, int port, String user, String password) {
        String jdbcUrl(String db) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + db;
        }
    }

    @Override
    public Map<String, String> start() {
        String db = database();
        Server s = server;
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + s.host() + ":" + s.port() + "/" + db,
                "quarkus.datasource.jdbc.url", s.jdbcUrl(db),
                "quarkus.datasource.username", s.user(),
                "quarkus.datasource.password", s.password());
    }

    @Override
    public void stop() {
        // Shared for the whole JVM; dropped by a shutdown hook.
    }

    /** The JDBC URL of this JVM's test database (for tests that inspect tables directly). */
    public static synchronized String jdbcUrl() {
        return server().jdbcUrl(database());
    }

    public static synchronized Server server() {
        if (server == null) {
            server = locate();
        }
        return server;
    }

    private static synchronized String database() {
        if (database == null) {
            Server s = server();
            String name = "test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
            execute(s, "CREATE DATABASE " + name);
            if (Boolean.getBoolean("test.database.keep")) {
                // For a post-mortem: -Dtest.database.keep=true leaves the database in place after the run.
                LOG.infof("PostgreSQL: test database %s is kept after the run (test.database.keep)", name);
                database = name;
                return database;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    execute(s, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                } catch (RuntimeException ignored) {
                    // the server may already be gone
                }
            }));
            database = name;
        }
        return database;
    }

    private static Server locate() {
        String host = System.getenv("POSTGRES_HOST");
        if (host != null && !host.isBlank()) {
            Server s = new Server(host, Integer.parseInt(env("POSTGRES_PORT", "5432")), env("POSTGRES_USER", "postgres"),
                    env("POSTGRES_PASSWORD", ""));
            LOG.infof("PostgreSQL: using POSTGRES_HOST %s:%d", s.host(), s.port());
            return s;
        }
        if (KafkaTestResource.dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            LOG.info("PostgreSQL: Testcontainers");
            return new Server(container.getHost(), container.getFirstMappedPort(), container.getUsername(), container.getPassword());
        }
        Server local = new Server("127.0.0.1", 5432, "postgres", "");
        if (Ports.open(local.host(), local.port()) && canLogIn(local)) {
            LOG.info("PostgreSQL: local server on 127.0.0.1:5432");
            return local;
        }
        return startEmbedded();
    }

    private static Server startEmbedded() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(Ports.free()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // best effort
                }
            }));
            LOG.infof("PostgreSQL: embedded server on port %d", pg.getPort());
            return new Server("127.0.0.1", pg.getPort(), "postgres", "");
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start an embedded PostgreSQL", e);
        }
    }

    private static boolean canLogIn(Server s) {
        try (Connection ignored = DriverManager.getConnection(s.jdbcUrl("postgres"), s.user(), s.password())) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private static void execute(Server s, String sql) {
        try (Connection c = DriverManager.getConnection(s.jdbcUrl("postgres"), s.user(), s.password());
             Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL: " + sql + " failed", e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
