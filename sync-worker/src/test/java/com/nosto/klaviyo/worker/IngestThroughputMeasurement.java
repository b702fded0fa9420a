package com.nosto.klaviyo.worker;

import static com.nosto.klaviyo.worker.support.Changes.added;
import static com.nosto.klaviyo.worker.support.Changes.firstEnableAdded;
import static com.nosto.klaviyo.worker.support.Changes.moved;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.worker.messaging.PartitionOwnership;
import com.nosto.klaviyo.worker.support.Db;
import com.nosto.klaviyo.worker.support.KafkaIO;
import com.nosto.klaviyo.testsupport.KafkaMeasurements;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Ingest throughput of the running worker, measured by hand, not part of {@code verify} (the class
 * name does not match surefire's includes, and it asserts no time):
 * <pre>
 * cd /work/main && mvn -B -o -q -pl sync-worker verify -Dtest=IngestThroughputMeasurement \
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
        String account = KafkaIO.unique("throughput");
        List<MembershipChange> changes = new ArrayList<>(total);
        for (int i = 0; i < contacts; i++) {
            String email = "t" + i + "@example.com";
            changes.add(i % 10 == 0 ? firstEnableAdded(account, email, 1, "Whole Bean") : added(account, email, 1, "VIP"));
        }
        for (int i = 0; i < moves; i++) {
            changes.add(moved(account, "t" + i + "@example.com", 2, List.of("VIP"), "VIP", "Coffee"));
        }
        // The consumer must own the topic before the clock starts: the group join is not ingest time.
        long joinDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (ownership.owned().size() < 6 && System.nanoTime() < joinDeadline) {
            Thread.sleep(100);
        }
        assertThat(ownership.owned()).hasSize(6);

        long start = System.nanoTime();
        KafkaMeasurements.publishAll(KafkaIO.bootstrap(), changes.stream()
                .map(c -> new ProducerRecord<>(Topics.MEMBERSHIP_CHANGES, c.contactKey().asKafkaKey(), KafkaIO.json(c))).toList());
        long published = System.nanoTime();
        long deadline = start + TimeUnit.MINUTES.toNanos(Long.getLong("measure.timeout-minutes", 30));
        long stored = 0;
        long atV2 = 0;
        while (System.nanoTime() < deadline) {
            Map<String, Object> row = Db.query("select count(*) as n, count(*) filter (where desired_version = 2) as v2"
                    + " from sync_worker.contact_ledger where account_id = ?", account).get(0);
            stored = ((Number) row.get("n")).longValue();
            atV2 = ((Number) row.get("v2")).longValue();
            if (stored == contacts && atV2 == moves) {
                break;
            }
            Thread.sleep(50);
        }
        long done = System.nanoTime();
        assertThat(stored).as("contacts in the ledger").isEqualTo(contacts);
        assertThat(atV2).as("contacts at their final version").isEqualTo(moves);

        long bareNanos = KafkaMeasurements.bareConsumerReadNanos(KafkaIO.bootstrap(), Topics.MEMBERSHIP_CHANGES, total);
        double seconds = (done - start) / 1e9;
        double rate = total / seconds;
        double bareRate = total / (bareNanos / 1e9);
        System.out.printf("INGEST-THROUGHPUT changes=%d contacts=%d publish=%.1fs ingest=%.1fs rate=%.0f/s"
                        + " bare-consumer=%.0f/s ratio=%.3f%n", total, contacts, (published - start) / 1e9, seconds, rate,
                bareRate, rate / bareRate);
    }
}
