package com.nosto.klaviyo.ops.redrive.domain;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the tool prints about a record without a shopper's email in clear (G15), in the services' log convention
 * (service-common's {@code Emails}): an email becomes {@code email:<first 12 hex of the SHA-256 of the trimmed,
 * lower-cased address>}, so an SRE can match a line to an address they were given
 * ({@code printf %s jane@example.com | sha256sum | cut -c1-12}).
 */
public final class Redaction {

    private static final Pattern EMAIL = Pattern.compile("[^\\s\"'<>()\\[\\],;:|]+@[^\\s\"'<>()\\[\\],;:|]+");
    private static final int MAX_REASON_CHARS = 200;

    private Redaction() {
    }

    /** {@code email:<12 hex>}. */
    public static String pseudonym(String email) {
        byte[] bytes = email.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        return "email:" + DeadLetters.sha256(bytes).substring(0, 12);
    }

    /** {@code account|email} as {@code account|email:<12 hex>}; an account key as it is. */
    public static String key(byte[] key) {
        if (key == null) {
            return "(none)";
        }
        String text = new String(key, StandardCharsets.UTF_8);
        int bar = text.indexOf('|');
        return bar < 0 ? text : text.substring(0, bar) + "|" + pseudonym(text.substring(bar + 1));
    }

    /** One line of at most 200 characters, every email replaced by its pseudonym (parser messages quote the payload). */
    public static String text(String text) {
        if (text == null) {
            return "";
        }
        Matcher m = EMAIL.matcher(text.replaceAll("\\s+", " "));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(pseudonym(m.group())));
        }
        m.appendTail(out);
        String line = out.toString();
        return line.length() <= MAX_REASON_CHARS ? line : line.substring(0, MAX_REASON_CHARS - 1) + "…";
    }
}
