package com.nosto.klaviyo.worker;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static com.nosto.klaviyo.worker.support.Changes.moved;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.KafkaMeasurements;
import com.nosto.klaviyo.worker.service.PartitionOwnership;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Ingest throughput of the running worker, measured by hand, not part of {@code verify} (the class
 * name does not match surefire's includes, and it asserts no time):
 * <pre>
 * mvn -B -o -q -pl sync-worker verify -Dtest=IngestThroughputMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dmeasure.changes=20000
 * </pre>
 * Publishes {@code measure.changes} membership changes for one account to the real broker (80 %
 * distinct contacts ADDED at v1, one in ten of them from a first enable; 20 % later MOVED at v2), and
 * times from the first send until the ledger holds every contact at its final version. In the same
 * run a bare Kafka consumer reads the same records, for the ratio issue 9 asks for. The figures are
 * printed as one line starting with {@code INGEST-THROUGHPUT}.
 */
@QuarkusTest
class IngestThroughputMeasurement {

    @Inject
    PartitionOwnership ownership;

    @Test
    void measure() throws Exception {
        int total = Integer.getInteger("measure.changes", 20_000);
        int contacts = total * 4 / 5;
        int moves = total - contacts;
        String account = Kafka.unique("throughput");
        List<MembershipChange> changes = new ArrayList<>(total);
        for (int i = 0; i < contacts; i++) {
            String email = "t" + i + "@example.com";
            changes.add(i % 10 == 0 ? firstEnableAdded(account, email, 1, "Whole Bean") : added(account, email, 1, "VIP"));
        }
        for (int i = 0; i < moves; i++) {
            changes.add(moved(account, "t" + i + "@example.com", 2, List.of("VIP"), "VIP", "Coffee"));
        }
        // The consumer must own the topic before the clock starts: the group join is not ingest time.
        await().atMost(Duration.ofSeconds(120)).until(() -> ownership.owned().size() == 6);

        long start = System.nanoTime();
        KafkaMeasurements.publishAll(Kafka.bootstrap(), changes.stream()
                .map(c -> new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, c.contactKey().asKafkaKey(), EventJson.write(c))).toList());
        long published = System.nanoTime();
        // Every contact stored, the moved ones at their final version.
        await().atMost(Duration.ofMinutes(Long.getLong("measure.timeout-minutes", 30))).pollInterval(Duration.ofMillis(50))
                .until(() -> Db.query("select count(*) as n, count(*) filter (where desired_version = 2) as v2"
                                + " from sync_worker.contact_ledger where account_id = ?", account).get(0),
                        row -> ((Number) row.get("n")).longValue() == contacts && ((Number) row.get("v2")).longValue() == moves);
        long done = System.nanoTime();

        long bareNanos = KafkaMeasurements.bareConsumerReadNanos(Kafka.bootstrap(), Topics.MEMBERSHIP_CHANGES, total);
        double seconds = (done - start) / 1e9;
        double rate = total / seconds;
        double bareRate = total / (bareNanos / 1e9);
        System.out.printf("INGEST-THROUGHPUT changes=%d contacts=%d publish=%.1fs ingest=%.1fs rate=%.0f/s"
                        + " bare-consumer=%.0f/s ratio=%.3f%n", total, contacts, (published - start) / 1e9, seconds, rate,
                bareRate, rate / bareRate);
    }
}
