package com.nosto.klaviyo.segment.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.segment.repository.OutboxRepository;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox relay stopped mid-way and restarted: changes committed while it was stopped wait in the
 * outbox, and after the restart every one of them is published, each contact's in version order.
 */
@QuarkusTest
class OutboxRelayTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    @Inject
    OutboxRelay relay;
    @Inject
    OutboxRepository outbox;

    private final Api api = new Api();

    @AfterEach
    void restart() {
        relay.resume();
    }

    @Test
    void changesCommittedWhileStoppedArePublishedInOrderAfterRestart() {
        api.syncedSegment("a", "A");
        api.syncedSegment("b", "B");
        List<String> emails = List.of("r1@example.com", "r2@example.com", "r3@example.com");
        emails.forEach(e -> api.post(api.fullSet(e, T0, "a")));
        await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forAccount(api.account).size() == 3);

        relay.pause();
        int rounds = 5;
        for (int i = 1; i <= rounds; i++) {
            for (String e : emails) {
                api.post(api.fullSet(e, T0.plusSeconds(i), i % 2 == 1 ? "b" : "a"));
            }
        }
        assertThat(outbox.count().await().atMost(Duration.ofSeconds(10))).isGreaterThanOrEqualTo(emails.size() * rounds);
        // While stopped nothing more leaves: the topic still holds only the first three changes.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> Changes.forAccount(api.account).size() == 3);

        relay.resume();
        List<MembershipChange> all = await().atMost(Duration.ofSeconds(30))
                .until(() -> Changes.forAccount(api.account), l -> l.size() >= emails.size() * (rounds + 1));

        Map<String, List<Long>> versionsByContact = all.stream().collect(Collectors.groupingBy(MembershipChange::email,
                Collectors.mapping(MembershipChange::version, Collectors.toList())));
        for (String e : emails) {
            assertThat(versionsByContact.get(e)).as(e).containsExactlyElementsOf(
                    LongStream.rangeClosed(1, rounds + 1).boxed().toList());
        }
        assertThat(all).extracting(MembershipChange::eventId).doesNotHaveDuplicates();
    }
}
