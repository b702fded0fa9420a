package com.nosto.klaviyo.common.logging;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shoppers' emails never reach a log in clear (G15). {@link #pseudonym} turns an email into a stable token
 * ({@code email:} and the first 12 hex digits of the SHA-256 of the trimmed, lower-cased address), so an SRE can
 * still follow one shopper through every service's logs by computing the token of the address they were given
 * ({@code printf %s jane@example.com | sha256sum | cut -c1-12}); {@link #redact} does that to every address in a text.
 */
public final class Emails {

    /** A local part, then a domain of at least two labels: {@code topic-3@42} (a Kafka position) is no address. */
    private static final Pattern EMAIL = Pattern.compile(
            "[^\\s\"'<>()\\[\\],;:|@]+@(?:[^\\s\"'<>()\\[\\],;:|@.]+\\.)+[^\\s\"'<>()\\[\\],;:|@.]+");

    private Emails() {
    }

    /** {@code email:<12 hex>} for an address; "-" for null. */
    public static String pseudonym(String email) {
        if (email == null) {
            return "-";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(email.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            return "email:" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** The text with every email-like token replaced by its pseudonym (for reasons and messages that may quote one). */
    public static String redact(String text) {
        if (text == null || text.indexOf('@') < 0) {
            return text;
        }
        Matcher m = EMAIL.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(pseudonym(m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }
}
