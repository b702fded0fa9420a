package com.nosto.klaviyo.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Kafka;
import com.nosto.klaviyo.testsupport.KafkaMeasurements;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Kafka ingest throughput of the running service, measured by hand, not part of {@code verify} (the
 * class name does not match surefire's includes, and it asserts no time):
 * <pre>
 * cd /work/main && mvn -B -o -q -pl segment-service verify -Dtest=IngestThroughputMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dmeasure.events=10000
 * </pre>
 * Publishes {@code measure.events} segment events for one account to the real broker: 80 % distinct
 * contacts entering one or two of three segments (two of them synced, so most events also write an
 * outbox row), then 20 % of them moved by a later full-set event. Timed from the first send until every
 * contact is stored and every moved one carries its later observedAt (publishing, a few seconds, is
 * inside the time). A warm-up event applied before the clock starts keeps the group join out of it. In
 * the same run a bare Kafka consumer reads the same records, for the ratio issue 9 asks for. The
 * figures are printed as one line starting with {@code SEGMENT-INGEST-THROUGHPUT}.
 * <p>
 * With {@code -Dmeasure.per-contact=N} (N &gt; 1) the mix is instead several events per contact, as real
 * traffic has them: {@code measure.events / N} contacts, each sent N full sets one second apart (cycling
 * through {vip, unsynced}, {vip}, {coffee}, {coffee, vip}, so nearly every event changes the synced view),
 * the contacts' events interleaved in blocks of 100 contacts, so a poll holds several events of most of its
 * contacts. Timed until every contact carries its last observedAt.
 */
@QuarkusTest
class IngestThroughputMeasurement {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");
    private static final Instant T1 = T0.plusSeconds(60);

    @Inject
    Pool pool;

    private final Api api = new Api();

    @Test
    void measure() throws Exception {
        int total = Integer.getInteger("measure.events", 10_000);
        int perContact = Integer.getInteger("measure.per-contact", 1);
        int contacts = perContact > 1 ? total / perContact : total * 4 / 5;
        total = perContact > 1 ? contacts * perContact : total;
        // Contacts that must reach their last observedAt (T1, or T0 + N - 1 s) before the clock stops.
        int moves = perContact > 1 ? contacts : total - contacts;
        Instant last = perContact > 1 ? T0.plusSeconds(perContact - 1) : T1;
        // Records of this measurement are counted here, not kept by the tests' topic tails.
        Kafka.ignoreKeysStartingWith(api.account + "|");
        api.syncedSegment("vip", "VIP");
        api.syncedSegment("coffee", "Coffee");
        api.defineSegment("unsynced", "Unsynced");

        List<ProducerRecord<String, String>> records = new ArrayList<>(total);
        if (perContact > 1) {
            String[] sets = {"\"vip\",\"unsynced\"", "\"vip\"", "\"coffee\"", "\"coffee\",\"vip\""};
            int block = 100;
            for (int from = 0; from < contacts; from += block) {
                for (int k = 0; k < perContact; k++) {
                    for (int i = from; i < Math.min(contacts, from + block); i++) {
                        records.add(record("m" + i + "@example.com", "\"segments\":[" + sets[(i + k) % sets.length] + "]",
                                T0.plusSeconds(k)));
                    }
                }
            }
        } else {
            for (int i = 0; i < contacts; i++) {
                String segments = i % 3 == 0 ? "\"vip\",\"unsynced\"" : i % 3 == 1 ? "\"vip\"" : "\"coffee\"";
                records.add(record("m" + i + "@example.com", "\"segments\":[" + segments + "]", T0));
            }
            for (int i = 0; i < moves; i++) {
                records.add(record("m" + i + "@example.com", "\"segments\":[\"coffee\",\"vip\"]", T1));
            }
        }

        // The consumer must own the topic before the clock starts: the group join is not ingest time.
        KafkaMeasurements.publishAll(KafkaTestResource.bootstrapServers(),
                List.of(record("warmup@example.com", "\"segments\":[\"vip\"]", T0)));
        long joinDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (count("select count(*) from segment_service.contact where account_id = $1") < 1
                && System.nanoTime() < joinDeadline) {
            Thread.sleep(100);
        }
        assertThat(count("select count(*) from segment_service.contact where account_id = $1")).isEqualTo(1);

        long start = System.nanoTime();
        KafkaMeasurements.publishAll(KafkaTestResource.bootstrapServers(), records);
        long published = System.nanoTime();
        long deadline = start + TimeUnit.MINUTES.toNanos(Long.getLong("measure.timeout-minutes", 30));
        long stored = 0;
        long moved = 0;
        while (System.nanoTime() < deadline) {
            Row row = pool.preparedQuery("select count(*), count(*) filter (where observed_at = $2)"
                            + " from segment_service.contact where account_id = $1")
                    .execute(Tuple.of(api.account, last.atOffset(java.time.ZoneOffset.UTC))).await().indefinitely()
                    .iterator().next();
            stored = row.getLong(0) - 1;
            moved = row.getLong(1);
            if (stored == contacts && moved == moves) {
                break;
            }
            Thread.sleep(50);
        }
        long done = System.nanoTime();
        assertThat(stored).as("contacts stored").isEqualTo(contacts);
        assertThat(moved).as("contacts at their later observedAt").isEqualTo(moves);

        long bareNanos = KafkaMeasurements.bareConsumerReadNanos(KafkaTestResource.bootstrapServers(), Topics.SEGMENT_EVENTS, total);
        double seconds = (done - start) / 1e9;
        double rate = total / seconds;
        double bareRate = total / (bareNanos / 1e9);
        System.out.printf("SEGMENT-INGEST-THROUGHPUT events=%d contacts=%d per-contact=%d publish=%.1fs ingest=%.1fs rate=%.0f/s"
                        + " bare-consumer=%.0f/s ratio=%.3f%n", total, contacts, perContact, (published - start) / 1e9, seconds, rate,
                bareRate, rate / bareRate);
    }

    private ProducerRecord<String, String> record(String email, String body, Instant at) {
        return new ProducerRecord<>(Topics.SEGMENT_EVENTS, api.account + "|" + email, "{\"accountId\":\"" + api.account
                + "\",\"email\":\"" + email + "\"," + body + ",\"observedAt\":\"" + at + "\"}");
    }

    private long count(String sql) {
        return pool.preparedQuery(sql).execute(Tuple.of(api.account)).await().indefinitely().iterator().next().getLong(0);
    }
}
