package com.nosto.klaviyo.worker.service;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.worker.config.TestClock;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import com.nosto.klaviyo.worker.support.TracingOn;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, a released batch coalesces many changes, so its release span links to the changes' trace contexts
 * (the ones they arrived with, kept in the ledger), and the batch's record carries a {@code traceparent} of that
 * span's trace, written by the relay's publish span.
 */
@QuarkusTest
@TestProfile(TracingOn.class)
class TracingTest {

    @Inject
    InMemorySpanExporter spans;

    private static String traceparent(int i) {
        return "00-" + String.format("%032x", 0xabc000L + i) + "-00f067aa0ba902b7-01";
    }

    @Test
    void aReleasedBatchIsPublishedInItsReleaseSpansTraceWhichLinksToTheChangesItCarries() {
        String account = Kafka.unique("traced");
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MembershipChange change = added(account, "shopper" + i + "@example.com", 1, "VIP");
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, 0,
                    change.contactKey().asKafkaKey(), EventJson.write(change));
            record.headers().add("traceparent", traceparent(i).getBytes(StandardCharsets.US_ASCII));
            records.add(record);
        }
        Kafka.companion().produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(60)).until(() -> Db.pending(account) == 3);

        TestClock.INSTANCE.advance(Duration.ofHours(12).plusMinutes(1));
        ConsumerRecord<String, String> published = await().atMost(Duration.ofSeconds(60))
                .until(() -> Kafka.readAll(Topics.SYNC_BATCHES).stream().filter(r -> account.equals(r.key()))
                        .filter(r -> !EventJson.read(r.value(), SyncBatch.class).contacts().isEmpty()).toList(), l -> !l.isEmpty())
                .get(0);
        Header header = published.headers().lastHeader("traceparent");
        assertThat(header).as("the batch record's traceparent").isNotNull();
        String traceId = new String(header.value(), StandardCharsets.US_ASCII).substring(3, 35);

        SpanData release = await().atMost(Duration.ofSeconds(30)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("sync-worker release")
                        && account.equals(s.getAttributes().get(AttributeKey.stringKey("nks.account_id")))).toList(),
                l -> !l.isEmpty()).get(0);
        assertThat(release.getTraceId()).isEqualTo(traceId);
        assertThat(release.getLinks()).extracting(LinkData::getSpanContext).extracting(c -> c.getTraceId())
                .containsExactlyInAnyOrder(traceparent(0).substring(3, 35), traceparent(1).substring(3, 35),
                        traceparent(2).substring(3, 35));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(spans.getFinishedSpanItems())
                .filteredOn(s -> s.getTraceId().equals(traceId))
                .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.PRODUCER)));
    }
}
