package com.nosto.klaviyo.common.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.MDC;

/**
 * The ids a log line is about, in the log context (MDC): {@value #ACCOUNT_ID}, {@value #WINDOW_ID}, {@value #BATCH_ID}
 * and {@value #EVENT_ID}. JSON logs carry them as the record's {@code mdc} object, text logs print them after the
 * thread ({@code %X}), so an SRE can select one account's or one window's lines across the three services.
 * A scope: {@code try (LogContext ignored = LogContext.account(a).window(w)) { ... }} puts them for the lines logged
 * inside and puts back what was there before; in reactive code, wrap the logging call itself ({@link #run}), since a
 * callback may run on another thread after the scope has closed. Never an email here (G15): ids only.
 */
public final class LogContext implements AutoCloseable {

    public static final String ACCOUNT_ID = "accountId";
    public static final String WINDOW_ID = "windowId";
    public static final String BATCH_ID = "batchId";
    public static final String EVENT_ID = "eventId";

    /** What each key held before this scope put it (null: absent), to put back on close. */
    private final Map<String, Object> previous = new LinkedHashMap<>();

    private LogContext() {
    }

    public static LogContext account(String accountId) {
        return new LogContext().put(ACCOUNT_ID, accountId);
    }

    public LogContext window(String windowId) {
        return put(WINDOW_ID, windowId);
    }

    public LogContext batch(String batchId) {
        return put(BATCH_ID, batchId);
    }

    public LogContext event(String eventId) {
        return put(EVENT_ID, eventId);
    }

    private LogContext put(String key, String value) {
        if (value != null) {
            if (!previous.containsKey(key)) {
                previous.put(key, MDC.get(key));
            }
            MDC.put(key, value);
        }
        return this;
    }

    /** Runs {@code action} with these ids in the context, then closes the scope. */
    public void run(Runnable action) {
        try (LogContext ignored = this) {
            action.run();
        }
    }

    /** Computes {@code action} with these ids in the context, then closes the scope. */
    public <T> T get(Supplier<T> action) {
        try (LogContext ignored = this) {
            return action.get();
        }
    }

    @Override
    public void close() {
        previous.forEach((key, value) -> {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        });
        previous.clear();
    }
}
