package com.nosto.klaviyo.segment.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.segment.config.SegmentServiceConfig;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Kafka;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Switching on a segment with many members emits one change per member, streamed in pages of
 * {@code segment-service.fanout.page-size} contacts (one transaction each), never the whole segment at
 * once. Shown two ways: no page holds more than the page size, and the live heap during the fan-out does
 * not grow with the segment (a 5,000-member and a large segment, compared). The large size is
 * {@code -Dsegment.large.members}, default 200,000 (about a minute here): loaded at once, 200,000 members would add
 * some 140 MB to the peak, far beyond the slack, so the check still fails for an unpaged fan-out. The 1,000,000 run
 * ({@code -Dsegment.large.members=1000000}, 2.5 to 4 minutes) is reported in docs/segment-service.md, and the
 * benchmark's figure 8 measures a million-member first enable through the whole pipeline.
 * The published records are counted, not kept: a test that held them all would itself not be bounded.
 */
@QuarkusTest
class LargeSegmentEnableTest {

    private static final Logger LOG = Logger.getLogger(LargeSegmentEnableTest.class);
    static final int SMALL = 5_000;
    static final int LARGE = Integer.getInteger("segment.large.members", 200_000);
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
        Kafka.ignoreKeysStartingWith(api.account + "|");
        double pagesBefore = metrics.fanoutPages();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

        try (Counting published = new Counting(api.account)) {
            long heapBaseline = liveHeap(memory);
            long enableAt = System.nanoTime();
            api.defineSegment("big", "Big segment");
            api.sync("big", true);

            long[] fanoutDone = {0};
            long[] heapPeak = {heapBaseline}; // a fan-out quicker than the first sample peaked at about its baseline
            long[] nextHeapSample = {0};
            // Polled every 200 ms; meanwhile the live heap is sampled every second until the fan-out is done.
            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (fanoutDone[0] == 0 && pendingJobs(api.account) == 0) {
                    fanoutDone[0] = System.nanoTime();
                }
                if (fanoutDone[0] == 0 && System.nanoTime() >= nextHeapSample[0]) {
                    // Live heap while the fan-out and the relay run: what stays after a full collection.
                    heapPeak[0] = Math.max(heapPeak[0], liveHeap(memory));
                    nextHeapSample[0] = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
                return published.distinct() >= members || published.failure != null;
            });
            long allPublished = System.nanoTime();
            // Anything more than one record per member would show up within this second.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> published.total() == members);
            Run run = new Run(members, fanoutDone[0] == 0 ? -1 : ms(fanoutDone[0] - enableAt), ms(allPublished - enableAt),
                    metrics.fanoutPages() - pagesBefore, heapBaseline, heapPeak[0]);
            LOG.infof("LARGE-SEGMENT members=%d insert=%d ms fanout=%d ms published=%d ms pages=%.0f largestPage=%d"
                            + " liveHeapBefore=%d MB liveHeapPeak=%d MB heapMax=%d MB",
                    members, ms(inserted - t0), run.fanoutMillis(), run.publishedMillis(), run.pages(),
                    metrics.largestFanoutPage(), heapBaseline >> 20, heapPeak[0] >> 20, memory.getHeapMemoryUsage().getMax() >> 20);

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
     * Reads the changes topic on the tests' Kafka client and keeps, per account, only which members were seen (a bit
     * each) and how many records arrived, checking each record on the way: the records themselves are dropped.
     */
    static final class Counting implements AutoCloseable {
        private final String prefix;
        private final String account;
        private final BitSet seen = new BitSet();
        private final AtomicLong total = new AtomicLong();
        private final ConsumerTask<String, String> task;
        volatile String failure;

        Counting(String account) {
            this.account = account;
            this.prefix = account + "|m";
            // Small fetch buffers: this consumer's memory must not be what grows with the segment either.
            task = Kafka.companion().consumeStrings().withProp("auto.offset.reset", "earliest")
                    .withProp("fetch.max.bytes", String.valueOf(4 << 20)).withProp("max.partition.fetch.bytes", String.valueOf(1 << 20))
                    .fromTopics(Topics.MEMBERSHIP_CHANGES, records -> records
                            .invoke(r -> {
                                if (r.key() != null && r.key().startsWith(prefix)) {
                                    check(r);
                                }
                            })
                            .select().where(r -> false));
        }

        private void check(ConsumerRecord<String, String> r) {
            String key = r.key();
            int member = Integer.parseInt(key.substring(prefix.length(), key.indexOf('@')));
            JsonNode c = EventJson.read(r.value(), JsonNode.class);
            boolean ok = "ADDED".equals(c.path("type").asText()) && account.equals(c.path("accountId").asText())
                    && "SYNC_ENABLED".equals(c.path("cause").path("kind").asText())
                    && c.path("cause").path("firstEnable").asBoolean(false)
                    && "big".equals(c.path("segmentsAfter").path(0).path("id").asText())
                    && c.path("version").asLong() > 0;
            if (!ok && failure == null) {
                failure = "unexpected record " + r.value();
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
        public void close() {
            task.close();
        }
    }
}
