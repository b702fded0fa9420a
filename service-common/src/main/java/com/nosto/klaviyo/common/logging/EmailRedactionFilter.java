package com.nosto.klaviyo.common.logging;

import io.quarkus.logging.LoggingFilter;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;

/**
 * The safety net of G15 behind {@link Emails} at the source: every record a handler with this filter prints has its
 * message formatted with its parameters and every email-like token in it replaced by its pseudonym; an attached
 * exception whose messages (along its causes and suppressed) quote an address is replaced by a copy with those
 * messages redacted and the same stack traces. It never drops a record. Enabled per handler with
 * {@code quarkus.log.console.filter=email-redaction}; found by Quarkus in service-common's index (a bean archive).
 */
@LoggingFilter(name = "email-redaction")
public final class EmailRedactionFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record instanceof ExtLogRecord ext) {
            String formatted = ext.getFormattedMessage();
            if (formatted != null && formatted.indexOf('@') >= 0) {
                ext.setMessage(Emails.redact(formatted), ExtLogRecord.FormatStyle.NO_FORMAT);
                ext.setParameters(null);
            }
        } else if (record.getMessage() != null) {
            String formatted = new java.util.logging.SimpleFormatter().formatMessage(record);
            if (formatted != null && formatted.indexOf('@') >= 0) {
                record.setMessage(Emails.redact(formatted));
                record.setParameters(null);
                record.setResourceBundle(null);
            }
        }
        Throwable thrown = record.getThrown();
        if (thrown != null && quotesAnAddress(thrown, new IdentityHashMap<>())) {
            record.setThrown(Redacted.of(thrown, new IdentityHashMap<>()));
        }
        return true;
    }

    private static boolean quotesAnAddress(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return false;
        }
        String message = t.getMessage();
        if (message != null && message.indexOf('@') >= 0) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (quotesAnAddress(s, seen)) {
                return true;
            }
        }
        return quotesAnAddress(t.getCause(), seen);
    }

    /**
     * A stand-in for a logged exception: prints as the original ({@code class: message}, its stack trace, causes and
     * suppressed) with every address in the messages pseudonymised.
     */
    static final class Redacted extends RuntimeException {

        private final String original;

        private Redacted(Throwable t, Throwable cause) {
            super(Emails.redact(t.getMessage()), cause, true, true);
            this.original = t.getClass().getName();
            setStackTrace(t.getStackTrace());
        }

        /** The copy of {@code t}; null for a throwable already being copied (a loop in the chain ends there). */
        static Throwable of(Throwable t, Map<Throwable, Throwable> done) {
            if (done.containsKey(t)) {
                return done.get(t);
            }
            done.put(t, null);
            Redacted r = new Redacted(t, t.getCause() == null ? null : of(t.getCause(), done));
            done.put(t, r);
            for (Throwable s : t.getSuppressed()) {
                Throwable copy = of(s, done);
                if (copy != null && copy != r) {
                    r.addSuppressed(copy);
                }
            }
            return r;
        }

        @Override
        public String toString() {
            String message = getLocalizedMessage();
            return message == null ? original : original + ": " + message;
        }
    }
}
