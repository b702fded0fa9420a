package com.nosto.klaviyo.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * What the console printed for one logger category while a piece of test code ran. The capturing handler is added to
 * the root logger after Quarkus' own, so the records it sees have passed the console's filter (email redaction), and
 * it formats them with the formatter given (the console's own, or a plain pattern) on the logging thread, where the
 * log context is.
 */
public final class ConsoleCapture {

    private ConsoleCapture() {
    }

    /** The lines {@code category} printed while {@code run} ran, formatted by {@code formatter}. */
    public static List<String> of(String category, Formatter formatter, Runnable run) {
        List<String> printed = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (category.equals(record.getLoggerName())) {
                    printed.add(formatter.format(record));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(capture);
        try {
            run.run();
        } finally {
            root.removeHandler(capture);
        }
        return printed;
    }

    /** The pseudonym the services log for an address ({@code email:} + 12 hex of its SHA-256), for assertions. */
    public static String pseudonym(String normalisedEmail) {
        try {
            return "email:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(normalisedEmail.getBytes(StandardCharsets.UTF_8)), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
