package com.nosto.klaviyo.ops.redrive.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LetterFilterTest {

    static final Instant T = Instant.parse("2026-11-29T09:00:00Z");

    static Letter letter(String key, String sourceTopic, String reason, String errorType, Instant failedAt) {
        return new Letter(Letter.Format.DEAD_LETTER, sourceTopic, key.getBytes(StandardCharsets.UTF_8), new byte[] {'{', '}'}, List.of(),
                reason, errorType, failedAt, null);
    }

    static LetterFilter filter(String reason, Pattern regex, String errorType, Instant from, Instant to, Set<String> accounts,
            Set<String> topics) {
        return new LetterFilter(reason, regex, errorType, from, to, accounts, topics);
    }

    final Letter dbDown = letter("acme|a@example.com", "segment-events", "Database unavailable after 5 retries", "PROCESSING_FAILED", T);
    final Letter badJson = letter("other|b@example.com", "segment-events", "Unexpected character ('x')", "JsonParseException",
            T.plusSeconds(3600));
    final Letter batch = letter("acme", "klaviyo-sync-batches", "unknown schemaVersion 9", "INVALID", T.plusSeconds(7200));

    @Test
    void noCriteriaMatchesEverything() {
        assertThat(List.of(dbDown, badJson, batch)).allMatch(LetterFilter.all()::matches);
    }

    @Test
    void reasonIsACaseInsensitiveSubstringOfTheReasonOrTheErrorType() {
        LetterFilter database = filter("DATABASE", null, null, null, null, null, null);
        LetterFilter processing = filter("processing_failed", null, null, null, null, null, null);

        assertThat(List.of(dbDown, badJson, batch)).filteredOn(database::matches).containsExactly(dbDown);
        assertThat(List.of(dbDown, badJson, batch)).filteredOn(processing::matches).containsExactly(dbDown);
    }

    @Test
    void reasonRegexIsFoundInTheReasonOrTheErrorType() {
        LetterFilter parse = filter(null, Pattern.compile("Json\\w+Exception|schemaVersion \\d+"), null, null, null, null, null);

        assertThat(List.of(dbDown, badJson, batch)).filteredOn(parse::matches).containsExactly(badJson, batch);
    }

    @Test
    void errorTypeLooksAtTheErrorTypeOnly() {
        LetterFilter invalid = filter(null, null, "invalid", null, null, null, null);
        LetterFilter database = filter(null, null, "database", null, null, null, null);

        assertThat(List.of(dbDown, badJson, batch)).filteredOn(invalid::matches).containsExactly(batch);
        assertThat(List.of(dbDown, badJson, batch)).filteredOn(database::matches).isEmpty();
    }

    @Test
    void fromIsInclusiveAndToExclusive() {
        LetterFilter firstHour = filter(null, null, null, T, T.plusSeconds(3600), null, null);
        LetterFilter fromTheSecond = filter(null, null, null, T.plusSeconds(3600), null, null, null);

        assertThat(List.of(dbDown, badJson, batch)).filteredOn(firstHour::matches).containsExactly(dbDown);
        assertThat(List.of(dbDown, badJson, batch)).filteredOn(fromTheSecond::matches).containsExactly(badJson, batch);
    }

    @Test
    void accountIsTheKeysAccountPartForContactAndAccountKeys() {
        LetterFilter acme = filter(null, null, null, null, null, Set.of("acme"), null);

        assertThat(List.of(dbDown, badJson, batch)).filteredOn(acme::matches).containsExactly(dbDown, batch);
    }

    @Test
    void sourceTopicMustBeOneOfThoseGiven() {
        LetterFilter batches = filter(null, null, null, null, null, null, Set.of("klaviyo-sync-batches"));

        assertThat(List.of(dbDown, badJson, batch)).filteredOn(batches::matches).containsExactly(batch);
    }

    @Test
    void everyCriterionMustHold() {
        LetterFilter both = filter("database", null, null, null, null, Set.of("other"), null);

        assertThat(List.of(dbDown, badJson, batch)).filteredOn(both::matches).isEmpty();
        assertThat(both.describe()).contains("reason contains \"database\"").contains("account in [other]");
    }
}
