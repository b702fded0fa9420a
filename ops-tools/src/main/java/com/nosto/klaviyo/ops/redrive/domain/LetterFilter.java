package com.nosto.klaviyo.ops.redrive.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which dead letters an SRE asked for. Every criterion given must hold; none given matches all.
 *
 * @param reason       case-insensitive substring of the reason or the error type
 * @param reasonRegex  a regular expression found in the reason or the error type
 * @param errorType    case-insensitive substring of the error type
 * @param from         failed at or after (inclusive)
 * @param to           failed before (exclusive)
 * @param accounts     the key's account part is one of these
 * @param sourceTopics the letter's source topic is one of these
 */
public record LetterFilter(String reason, Pattern reasonRegex, String errorType, Instant from, Instant to, Set<String> accounts,
                           Set<String> sourceTopics) {

    public LetterFilter {
        accounts = accounts == null ? Set.of() : Set.copyOf(accounts);
        sourceTopics = sourceTopics == null ? Set.of() : Set.copyOf(sourceTopics);
    }

    public static LetterFilter all() {
        return new LetterFilter(null, null, null, null, null, Set.of(), Set.of());
    }

    public boolean matches(Letter letter) {
        if (reason != null && !contains(letter.reason(), reason) && !contains(letter.errorType(), reason)) {
            return false;
        }
        if (reasonRegex != null && !found(letter.reason()) && !found(letter.errorType())) {
            return false;
        }
        if (errorType != null && !contains(letter.errorType(), errorType)) {
            return false;
        }
        if (from != null && (letter.failedAt() == null || letter.failedAt().isBefore(from))) {
            return false;
        }
        if (to != null && (letter.failedAt() == null || !letter.failedAt().isBefore(to))) {
            return false;
        }
        if (!accounts.isEmpty() && !accounts.contains(letter.account())) {
            return false;
        }
        return sourceTopics.isEmpty() || sourceTopics.contains(letter.sourceTopic());
    }

    private static boolean contains(String text, String part) {
        return text != null && text.toLowerCase(Locale.ROOT).contains(part.toLowerCase(Locale.ROOT));
    }

    private boolean found(String text) {
        return text != null && reasonRegex.matcher(text).find();
    }

    /** The criteria in words, for the report. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (reason != null) {
            parts.add("reason contains \"" + reason + "\"");
        }
        if (reasonRegex != null) {
            parts.add("reason matches /" + reasonRegex.pattern() + "/");
        }
        if (errorType != null) {
            parts.add("error type contains \"" + errorType + "\"");
        }
        if (from != null) {
            parts.add("failed at or after " + from);
        }
        if (to != null) {
            parts.add("failed before " + to);
        }
        if (!accounts.isEmpty()) {
            parts.add("account in " + accounts);
        }
        if (!sourceTopics.isEmpty()) {
            parts.add("source topic in " + sourceTopics);
        }
        return parts.isEmpty() ? "none (every dead letter)" : String.join(", ", parts);
    }
}
