package com.nosto.klaviyo.common.outage;

import com.nosto.klaviyo.common.logging.Emails;
import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tells a failure caused by the record being processed from everything else. The rule every consumer and loop
 * follows: only a record that is itself bad may be dead-lettered; any other failure (the database, the broker or
 * Klaviyo unreachable, a failover, a lock timeout, a deadlock, and anything not recognised) is waited out and
 * retried, because dead-lettering valid work loses it.
 *
 * <p>A record problem is: an {@link InvalidRecordException} (what validation says), or a PostgreSQL error of class
 * 22 (data exception: a value the column cannot hold) or 23 (integrity constraint violation). Those come back the
 * same on every attempt, so retrying would hold the partition for ever. Everything else is treated as transient;
 * a programming error therefore stalls its consumer visibly (not ready, {@code nks_outage_waiting}) instead of
 * dropping records, which is the safer way to be wrong.
 */
public final class Failures {

    /** SQLSTATE classes that describe the data, not the server: retrying the same record fails the same way. */
    private static final Set<String> RECORD_SQLSTATE_CLASSES = Set.of("22", "23");

    private Failures() {
    }

    /** True when {@code failure} says the record itself is bad (dead-letter it); false for anything to wait out. */
    public static boolean isRecordProblem(Throwable failure) {
        for (Throwable t : causes(failure)) {
            if (t instanceof InvalidRecordException) {
                return true;
            }
            String state = sqlState(t);
            if (state != null && state.length() >= 2 && RECORD_SQLSTATE_CLASSES.contains(state.substring(0, 2))) {
                return true;
            }
        }
        return false;
    }

    /** SQLSTATE classes and codes of a server that is away, overloaded, failing over or resolving contention. */
    private static final Set<String> INFRASTRUCTURE_SQLSTATE_CLASSES = Set.of("08", "40", "53", "57", "58");
    private static final Set<String> INFRASTRUCTURE_SQLSTATES = Set.of("55P03", "25P03");
    private static final Set<String> INFRASTRUCTURE_CLASS_NAMES = Set.of("ClosedConnectionException",
            "ConnectTimeoutException", "PoolTimeoutException", "VertxConnectionException");
    private static final java.util.List<String> INFRASTRUCTURE_MESSAGES = java.util.List.of("connection refused",
            "connection is closed", "connection reset", "connection was closed", "pending connection", "timeout",
            "timed out", "failed to connect", "pool closed");

    /**
     * True when {@code failure} is recognisably the infrastructure (a database or broker connection refused,
     * closed, reset or timed out; a failover; a deadlock or lock timeout), as opposed to an unknown error. A REST
     * request that meets such a failure answers 503 with {@code Retry-After}; an unknown error stays a 500.
     */
    public static boolean isInfrastructure(Throwable failure) {
        for (Throwable t : causes(failure)) {
            String state = sqlState(t);
            if (state != null && (INFRASTRUCTURE_SQLSTATES.contains(state)
                    || state.length() >= 2 && INFRASTRUCTURE_SQLSTATE_CLASSES.contains(state.substring(0, 2)))) {
                return true;
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.SocketException
                    || t instanceof java.nio.channels.ClosedChannelException || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof org.apache.kafka.common.errors.RetriableException
                    || INFRASTRUCTURE_CLASS_NAMES.contains(t.getClass().getSimpleName())) {
                return true;
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (state == null && INFRASTRUCTURE_MESSAGES.stream().anyMatch(message::contains)) {
                return true;
            }
        }
        return false;
    }

    /** True for every failure that is not a record problem: wait and retry. */
    public static boolean isTransient(Throwable failure) {
        return !isRecordProblem(failure);
    }

    /**
     * A short description for logs: class names along the cause chain and the innermost message, no payloads, every
     * email in it pseudonymised (a database error can quote the row it refused).
     */
    public static String describe(Throwable failure) {
        StringBuilder out = new StringBuilder();
        Throwable last = failure;
        for (Throwable t : causes(failure)) {
            if (out.length() > 0) {
                out.append(" <- ");
            }
            out.append(t.getClass().getSimpleName());
            String state = sqlState(t);
            if (state != null) {
                out.append('[').append(state).append(']');
            }
            last = t;
        }
        String message = last.getMessage();
        if (message != null && !message.isBlank()) {
            out.append(": ").append(message.length() > 200 ? message.substring(0, 200) + "…" : message);
        }
        return Emails.redact(out.toString());
    }

    /** The SQLSTATE of a PostgreSQL (reactive client), JDBC or Hibernate exception, found without depending on each. */
    static String sqlState(Throwable t) {
        if (t instanceof io.vertx.sqlclient.DatabaseException db) {
            return db.getSqlState();
        }
        if (t instanceof SQLException sql) {
            return sql.getSQLState();
        }
        try {
            // org.hibernate.JDBCException and its subclasses (e.g. ConstraintViolationException)
            Object state = t.getClass().getMethod("getSQLState").invoke(t);
            return state instanceof String s ? s : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Iterable<Throwable> causes(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        java.util.List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            chain.add(t);
            for (Throwable s : t.getSuppressed()) {
                if (seen.put(s, Boolean.TRUE) == null) {
                    chain.add(s);
                }
            }
        }
        return chain;
    }
}
