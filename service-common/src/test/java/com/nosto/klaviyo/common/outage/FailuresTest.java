package com.nosto.klaviyo.common.outage;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class FailuresTest {

    private static PgException pg(String sqlState) {
        return new PgException("boom", "ERROR", sqlState, "detail");
    }

    @Test
    void dataAndConstraintErrorsAreRecordProblemsEvenWhenWrapped() {
        assertThat(Failures.isRecordProblem(pg("22008"))).as("datetime field overflow").isTrue();
        assertThat(Failures.isRecordProblem(pg("22001"))).as("string too long").isTrue();
        assertThat(Failures.isRecordProblem(new CompletionException(new RuntimeException("wrapped", pg("23505"))))).isTrue();
        assertThat(Failures.isRecordProblem(new InvalidRecordException("INVALID_EVENT", "/email: not an address"))).isTrue();
    }

    @Test
    void outagesContentionAndUnknownErrorsAreWaitedOut() {
        assertThat(Failures.isTransient(pg("57P01"))).as("admin shutdown (failover)").isTrue();
        assertThat(Failures.isTransient(pg("40P01"))).as("deadlock").isTrue();
        assertThat(Failures.isTransient(pg("08006"))).as("connection failure").isTrue();
        assertThat(Failures.isTransient(new ConnectException("Connection refused"))).isTrue();
        assertThat(Failures.isTransient(ClosedConnectionException.INSTANCE)).isTrue();
        assertThat(Failures.isTransient(new IllegalStateException("a bug"))).as("unknown: stall visibly, never drop").isTrue();
    }

    @Test
    void onlyRecognisedInfrastructureFailuresAreInfrastructure() {
        assertThat(Failures.isInfrastructure(pg("57P01"))).isTrue();
        assertThat(Failures.isInfrastructure(pg("55P03"))).as("lock not available").isTrue();
        assertThat(Failures.isInfrastructure(new RuntimeException(new ConnectException("Connection refused")))).isTrue();
        assertThat(Failures.isInfrastructure(ClosedConnectionException.INSTANCE)).isTrue();
        assertThat(Failures.isInfrastructure(new RuntimeException("Connection is closed"))).isTrue();
        assertThat(Failures.isInfrastructure(new org.apache.kafka.common.errors.TimeoutException("metadata"))).isTrue();
        assertThat(Failures.isInfrastructure(new IllegalStateException("a bug"))).isFalse();
        assertThat(Failures.isInfrastructure(pg("22008"))).isFalse();
        assertThat(Failures.isInfrastructure(pg("42P01"))).as("undefined table: a bug, not an outage").isFalse();
    }

    @Test
    void describeNamesTheChainAndTheSqlStateWithoutStackTraces() {
        String d = Failures.describe(new CompletionException(new RuntimeException("outer", pg("57P01"))));
        assertThat(d).contains("CompletionException").contains("PgException[57P01]").doesNotContain("\n");
    }

    @Test
    void describePseudonymisesAnEmailTheErrorQuotes() {
        String d = Failures.describe(new RuntimeException("value for jane@example.com too long"));
        assertThat(d).doesNotContain("jane@example.com")
                .endsWith("value for " + com.nosto.klaviyo.common.logging.Emails.pseudonym("jane@example.com") + " too long");
    }
}
