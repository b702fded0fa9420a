package com.nosto.klaviyo.segment.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.TopicTail;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Switching on a segment with many members emits one change per member, streamed in pages of
 * {@code segment-service.fanout.page-size} contacts (one transaction each), never the whole segment at
 * once. Shown two ways: no page holds more than the page size, and the live heap during the fan-out does
 * not grow with the segment (a 5,000-member and a large segment, compared). The large size is
 * {@code -Dsegment.large.members}, default 1,000,000 (2.5 to 4 minutes here, see docs/segment-service.md).
 * The published records are counted, not kept: a test that held them all would itself not be bounded.
 */
@QuarkusTest
class LargeSegmentEnableTest {

    private static final Logger LOG = Logger.getLogger(LargeSegmentEnableTest.class);
    static final int SMALL = 5_000;
    static final int LARGE = Integer.getInteger("segment.large.members", 1_000_000);
    /**
     * How much higher the large fan-out's live heap peak may be than the small one's. Paged, they differ by a
     * few MB at 1M; with the whole segment in one page, 40k members added 28 MB (1M would not fit the heap).
     */
    static final long HEAP_SLACK = 24L << 20;

    @Inject
    Pool pool;
    @Inject
    SegmentMetrics metrics;
    @Inject
    SegmentServiceConfig config;

    /** What one enable cost. */
    record Run(int members, long fanoutMillis, long publishedMillis, double pages, long heapBaseline, long heapPeak) {
    }

    @Test
    void enablingALargeSegmentEmitsEveryMemberPageByPageInBoundedMemory() throws Exception {
        enable(200); // warm-up: the first fan-out of the JVM also loads classes and fills caches
        Run small = enable(SMALL);
        Run large = enable(LARGE);

        int pageSize = config.fanout().pageSize();
        assertThat(large.pages()).as("pages of at most %d members", pageSize)
                .isGreaterThanOrEqualTo(Math.ceil((double) LARGE / pageSize));
        assertThat(metrics.largestFanoutPage()).as("contacts held by one page transaction").isLessThanOrEqualTo(pageSize);
        // The large fan-out's live heap peak must not be above the small one's by more than the slack, however large.
        assertThat(large.heapPeak() - small.heapPeak()).as("live heap peak of a %d-member fan-out (%d MB) minus a %d-member one's (%d MB)",
                LARGE, large.heapPeak() >> 20, SMALL, small.heapPeak() >> 20).isLessThan(HEAP_SLACK);
    }

    private Run enable(int members) throws Exception {
        Api api = new Api();
        // Members arrive in bulk through SQL: this test is about the fan-out, not about ingest throughput.
        long t0 = System.nanoTime();
        pool.preparedQuery("insert into segment_service.contact (account_id, email, observed_at, version, entry_seq, synced_view, updated_at) "
                        + "select $1, 'm' || g || '@big.example.com', now(), 0, 1, '[]', now() from generate_series(1, $2) g")
                .execute(Tuple.of(api.account, members)).await().atMost(Duration.ofMinutes(10));
        pool.preparedQuery("insert into segment_service.membership (account_id, email, segment_id, entry_seq, entered_at) "
                        + "select $1, 'm' || g || '@big.example.com', 'big', 1, now() from generate_series(1, $2) g")
                .execute(Tuple.of(api.account, members)).await().atMost(Duration.ofMinutes(10));
        pool.query("analyze segment_service.contact").execute().await().atMost(Duration.ofMinutes(5));
        pool.query("analyze segment_service.membership").execute().await().atMost(Duration.ofMinutes(5));
        long inserted = System.nanoTime();
        TopicTail.ignoreKeysStartingWith(api.account + "|");
        double pagesBefore = metrics.fanoutPages();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

        try (Counting published = new Counting(api.account)) {
            long heapBaseline = liveHeap(memory);
            long enableAt = System.nanoTime();
            api.defineSegment("big", "Big segment");
            api.sync("big", true);

            long fanoutDone = 0;
            long heapPeak = heapBaseline; // a fan-out quicker than the first sample peaked at about its baseline
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            long nextHeapSample = 0;
            while (published.distinct() < members && System.nanoTime() < deadline && published.failure == null) {
                Thread.sleep(200);
                if (fanoutDone == 0 && pendingJobs(api.account) == 0) {
                    fanoutDone = System.nanoTime();
                }
                if (fanoutDone == 0 && System.nanoTime() >= nextHeapSample) {
                    // Live heap while the fan-out and the relay run: what stays after a full collection.
                    heapPeak = Math.max(heapPeak, liveHeap(memory));
                    nextHeapSample = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
            long allPublished = System.nanoTime();
            // Anything more than one record per member would show up within this second.
            Thread.sleep(1000);
            Run run = new Run(members, fanoutDone == 0 ? -1 : ms(fanoutDone - enableAt), ms(allPublished - enableAt),
                    metrics.fanoutPages() - pagesBefore, heapBaseline, heapPeak);
            LOG.infof("LARGE-SEGMENT members=%d insert=%d ms fanout=%d ms published=%d ms pages=%.0f largestPage=%d"
                            + " liveHeapBefore=%d MB liveHeapPeak=%d MB heapMax=%d MB",
                    members, ms(inserted - t0), run.fanoutMillis(), run.publishedMillis(), run.pages(),
                    metrics.largestFanoutPage(), heapBaseline >> 20, heapPeak >> 20, memory.getHeapMemoryUsage().getMax() >> 20);

            assertThat(published.failure).as("every record is a first-enable ADDED of a member").isNull();
            assertThat(published.distinct()).as("members emitted").isEqualTo(members);
            assertThat(published.total()).as("records published (one per member)").isEqualTo(members);
            return run;
        }
    }

    private static long liveHeap(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private long pendingJobs(String account) {
        return pool.preparedQuery("select count(*) from segment_service.fanout_job where account_id = $1")
                .execute(Tuple.of(account)).await().atMost(Duration.ofSeconds(30)).iterator().next().getLong(0);
    }

    private static long ms(long nanos) {
        return Duration.ofNanos(nanos).toMillis();
    }

    /**
     * Reads the changes topic from its current end on a background thread and keeps, per account, only
     * which members were seen (a bit each) and how many records arrived; checks each record on the way.
     */
    static final class Counting implements AutoCloseable {
        private final String prefix;
        private final String account;
        private final BitSet seen = new BitSet();
        private final AtomicLong total = new AtomicLong();
        private final Thread thread;
        private volatile boolean running = true;
        volatile String failure;

        Counting(String account) throws InterruptedException {
            this.account = account;
            this.prefix = account + "|m";
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            // Small fetch buffers: this consumer's memory must not be what grows with the segment either.
            p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(4 << 20));
            p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(1 << 20));
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MEMBERSHIP_CHANGES).stream()
                    .map(i -> new TopicPartition(Topics.MEMBERSHIP_CHANGES, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end now, before anything is emitted
            thread = new Thread(() -> run(consumer), "large-segment-count");
            thread.setDaemon(true);
            thread.start();
        }

        private void run(KafkaConsumer<String, String> consumer) {
            try (consumer) {
                while (running) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.key() != null && r.key().startsWith(prefix)) {
                            check(r);
                        }
                    }
                }
            }
        }

        private void check(ConsumerRecord<String, String> r) {
            String key = r.key();
            int member = Integer.parseInt(key.substring(prefix.length(), key.indexOf('@')));
            try {
                JsonNode c = EventJson.mapper().readTree(r.value());
                boolean ok = "ADDED".equals(c.path("type").asText()) && account.equals(c.path("accountId").asText())
                        && "SYNC_ENABLED".equals(c.path("cause").path("kind").asText())
                        && c.path("cause").path("firstEnable").asBoolean(false)
                        && "big".equals(c.path("segmentsAfter").path(0).path("id").asText())
                        && c.path("version").asLong() == 1;
                if (!ok && failure == null) {
                    failure = "unexpected record " + r.value();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            synchronized (seen) {
                seen.set(member);
            }
            total.incrementAndGet();
        }

        int distinct() {
            synchronized (seen) {
                return seen.cardinality();
            }
        }

        long total() {
            return total.get();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5000);
        }
    }
}
