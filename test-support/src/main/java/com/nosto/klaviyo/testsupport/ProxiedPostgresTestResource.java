package com.nosto.klaviyo.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * This JVM's test database ({@link PostgresTestResource}) reached through a {@link TcpProxy}, so a test can make
 * PostgreSQL unreachable for the service under test ({@code ProxiedPostgresTestResource.proxy().cut()}) and bring it
 * back, while the test itself still reaches the database directly ({@link PostgresTestResource#jdbcUrl()}).
 */
public class ProxiedPostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private static TcpProxy proxy;

    @Override
    public Map<String, String> start() {
        Map<String, String> direct = new PostgresTestResource().start();
        PostgresTestResource.Server s = PostgresTestResource.server();
        String db = PostgresTestResource.jdbcUrl().substring(PostgresTestResource.jdbcUrl().lastIndexOf('/') + 1);
        TcpProxy p = proxy();
        String at = p.host() + ":" + p.port() + "/" + db;
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + at,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + at,
                "quarkus.datasource.username", direct.get("quarkus.datasource.username"),
                "quarkus.datasource.password", direct.get("quarkus.datasource.password"));
    }

    @Override
    public void stop() {
        // One proxy for the JVM, like the database behind it.
    }

    /** The proxy in front of this JVM's test database (started on first use). */
    public static synchronized TcpProxy proxy() {
        if (proxy == null) {
            PostgresTestResource.Server s = PostgresTestResource.server();
            proxy = TcpProxy.start(s.host(), s.port());
        }
        return proxy;
    }
}
