package com.nosto.klaviyo.common.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.common.outage.Outages;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void aDeadLetterIsKeyedLikeItsRecordAndKeepsThePayloadWhole() {
        List<String[]> sent = new ArrayList<>();
        DeadLetters letters = new DeadLetters("segment-service", emitter(sent, 0), outages(), CLOCK);

        letters.send("segment-events", 3, 42L, "acme|jane@example.com", "{\"bad\":\"\\\"é\"", "MALFORMED_JSON", "Unexpected end")
                .await().atMost(Duration.ofSeconds(5));

        assertThat(sent).hasSize(1);
        assertThat(sent.get(0)[0]).isEqualTo("acme|jane@example.com");
        DeadLetter letter = EventJson.read(sent.get(0)[1], DeadLetter.class);
        assertThat(letter.payload()).isEqualTo("{\"bad\":\"\\\"é\"");
        assertThat(letter.sourcePartition()).isEqualTo(3);
        assertThat(letter.failedAt()).isEqualTo(CLOCK.instant());
    }

    @Test
    void aReasonQuotingAnEmailIsWrittenWithItsPseudonym() {
        List<String[]> sent = new ArrayList<>();
        DeadLetters letters = new DeadLetters("segment-service", emitter(sent, 0), outages(), CLOCK);

        letters.send("segment-events", 0, 7L, "acme|jane@example.com", "{}", "PROCESSING_FAILED",
                "Could not be stored: Key (account_id, email)=(acme, jane@example.com) already exists").await().atMost(Duration.ofSeconds(5));

        DeadLetter letter = EventJson.read(sent.get(0)[1], DeadLetter.class);
        assertThat(letter.reason()).doesNotContain("jane@example.com")
                .contains("(acme, " + com.nosto.klaviyo.common.logging.Emails.pseudonym("jane@example.com") + ")");
    }

    @Test
    void aBrokerThatRefusesTheFirstSendsIsWaitedOutNotDropped() {
        List<String[]> sent = new ArrayList<>();
        DeadLetters letters = new DeadLetters("sync-worker", emitter(sent, 3), outages(), CLOCK);

        letters.send("t", 0, 1L, "k", "v", "INVALID", "why").await().atMost(Duration.ofSeconds(5));

        assertThat(sent).hasSize(4);
    }

    private static Outages outages() {
        return new Outages(new SimpleMeterRegistry(), Duration.ofMillis(1), Duration.ofMillis(5));
    }

    /** Refuses the first {@code refusals} sends as an unreachable broker would. */
    private static TestEmitter emitter(List<String[]> sent, int refusals) {
        return new TestEmitter() {
            int calls;

            @Override
            Uni<Void> answer(String key, String payload) {
                sent.add(new String[] {key, payload});
                return ++calls <= refusals
                        ? Uni.createFrom().failure(new org.apache.kafka.common.errors.TimeoutException("broker away"))
                        : Uni.createFrom().voidItem();
            }
        };
    }

    /** The log context names the record's account when its key is {@code accountId|email}, never an email. */
    @Test
    void theAccountOfAKeyIsItsPartBeforeTheBarAndNeverAnEmail() {
        assertThat(DeadLetters.accountOf("acme|jane@example.com")).isEqualTo("acme");
        assertThat(DeadLetters.accountOf("jane@example.com|acme")).isNull();
        assertThat(DeadLetters.accountOf("no-bar")).isNull();
        assertThat(DeadLetters.accountOf(null)).isNull();
        assertThat(DeadLetters.accountOf("|x")).isNull();
    }
}
