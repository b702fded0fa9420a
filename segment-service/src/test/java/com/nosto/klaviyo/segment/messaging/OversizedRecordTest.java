package com.nosto.klaviyo.segment.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.DeadLetter;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.segment.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A segment event far larger than any dead letter may be (issue 18 point 6), sent as a publisher would: an email of
 * 1.5 MB, keyed by account|email, on a topic that accepts records that large. It is dead-lettered, cut to fit with
 * its size and hash, and the valid events behind it on the same partition are applied.
 */
@QuarkusTest
class OversizedRecordTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final int PARTITION = 2;
    private static final int LIMIT = 8 << 20;

    private final Api api = new Api();

    @Test
    void aRecordTooLargeToDeadLetterWholeIsCutToFitAndTheRecordsBehindItAreApplied() throws Exception {
        api.syncedSegment("vip", "VIP");
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SEGMENT_EVENTS);
        Kafka.companion().getOrCreateAdminClient().incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                new ConfigEntry("max.message.bytes", String.valueOf(LIMIT)), AlterConfigOp.OpType.SET)))).all().get();
        String huge = "x".repeat(1_500_000) + "@example.com";
        String hugeValue = event(huge);

        Kafka.companion().produceStrings().withProp("max.request.size", String.valueOf(LIMIT)).fromRecords(
                        record("before@example.com", event("before@example.com")),
                        record(huge, hugeValue),
                        record("after@example.com", event("after@example.com")))
                .awaitCompletion(Duration.ofSeconds(60));

        assertThat(await().atMost(Duration.ofSeconds(60)).until(() -> Changes.forContact(api.account, "after@example.com"),
                l -> !l.isEmpty()).get(0).type()).isEqualTo(ChangeType.ADDED);
        assertThat(Changes.forContact(api.account, "before@example.com")).hasSize(1);
        String json = await().atMost(Duration.ofSeconds(30))
                .until(() -> Kafka.keyedWith(Topics.SEGMENT_EVENTS_DLQ, api.account + "|xxxx"), l -> !l.isEmpty()).get(0).value();
        DeadLetter letter = EventJson.mapper().readValue(json, DeadLetter.class);
        assertThat(letter.errorType()).isEqualTo("INVALID_EVENT");
        assertThat(letter.reason()).startsWith("/email");
        assertThat(letter.payloadTruncated()).isTrue();
        assertThat(letter.payloadBytes()).isEqualTo(hugeValue.length());
        assertThat(letter.payload()).isEqualTo(hugeValue.substring(0, DeadLetter.MAX_PAYLOAD_BYTES));
        assertThat(letter.key()).hasSizeLessThanOrEqualTo(DeadLetter.MAX_KEY_CHARS);
        assertThat(letter.sourcePartition()).isEqualTo(PARTITION);
    }

    private ProducerRecord<String, String> record(String email, String value) {
        return new ProducerRecord<>(Topics.SEGMENT_EVENTS, PARTITION, api.account + "|" + email, value);
    }

    private String event(String email) {
        return "{\"accountId\":\"" + api.account + "\",\"email\":\"" + email + "\",\"segments\":[\"vip\"],\"observedAt\":\"" + T0 + "\"}";
    }
}
