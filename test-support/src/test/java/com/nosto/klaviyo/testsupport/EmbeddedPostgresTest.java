package com.nosto.klaviyo.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The fallback for machines without any PostgreSQL: a real server from Maven Central jars. */
class EmbeddedPostgresTest {

    @Test
    void startsARealServerThatRunsSql() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(Ports.free()).start();
             Connection c = pg.getPostgresDatabase().getConnection();
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (v INT)");
            st.execute("INSERT INTO t VALUES (41), (1)");
            try (ResultSet rs = st.executeQuery("SELECT sum(v), version() FROM t")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
                assertThat(rs.getString(2)).startsWith("PostgreSQL");
            }
        }
    }
}
