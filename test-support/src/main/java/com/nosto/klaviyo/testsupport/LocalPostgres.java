package com.nosto.klaviyo.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

/**
 * PostgreSQL for the local run (deploy/local/postgres), for machines that have none.
 * <pre>
 *   LocalPostgres serve PORT DATA_DIR     embedded server, runs until SIGTERM (then stops the server)
 *   LocalPostgres ensure-db HOST PORT USER DB   creates DB if missing
 *   LocalPostgres recreate-db HOST PORT USER DB drops DB (if present) and creates it empty
 *   LocalPostgres ping HOST PORT USER      exit 0 if a login works
 * </pre>
 */
public final class LocalPostgres {

    private LocalPostgres() {
    }

    public static void main(String[] args) throws Exception {
        switch (args.length > 0 ? args[0] : "") {
            case "serve" -> serve(Integer.parseInt(args[1]), Path.of(args[2]));
            case "ensure-db" -> ensureDatabase(args[1], Integer.parseInt(args[2]), args[3], args[4], false);
            case "recreate-db" -> ensureDatabase(args[1], Integer.parseInt(args[2]), args[3], args[4], true);
            case "ping" -> System.exit(canLogIn(args[1], Integer.parseInt(args[2]), args[3]) ? 0 : 1);
            default -> {
                System.err.println("usage: LocalPostgres serve PORT DIR | ensure-db HOST PORT USER DB | ping HOST PORT USER");
                System.exit(2);
            }
        }
    }

    private static void serve(int port, Path dataDir) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pg.close();
            } catch (IOException ignored) {
                // exiting anyway
            }
            stopped.countDown();
        }));
        System.out.println("PostgreSQL ready on 127.0.0.1:" + port + " (user postgres, data " + dataDir + ")");
        stopped.await();
    }

    private static void ensureDatabase(String host, int port, String user, String db, boolean recreate) throws SQLException {
        if (!db.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name must be a plain identifier: " + db);
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/postgres", user, "");
             Statement st = c.createStatement()) {
            if (recreate) {
                st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + db + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            st.execute("CREATE DATABASE " + db);
        }
    }

    private static boolean canLogIn(String host, int port, String user) {
        try (Connection ignored = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/postgres", user, "")) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
