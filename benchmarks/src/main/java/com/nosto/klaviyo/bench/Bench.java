package com.nosto.klaviyo.bench;

import com.nosto.klaviyo.e2e.harness.KafkaTools;
import com.nosto.klaviyo.e2e.harness.SyncApi;
import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.emulator.KlaviyoList;
import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactKey;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.SegmentRef;
import com.nosto.klaviyo.events.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The running system a benchmark measures and the steps every figure shares: define segments, publish events, wait
 * for the consumer groups to catch up or for a release to finish, and read counts back.
 */
final class Bench {

    /** Each service's consumer group and the topic it reads (docs/operations.md). */
    static final Map<String, String> GROUPS = Map.of(
            "segment-service", Topics.SEGMENT_EVENTS,
            "sync-worker", Topics.MEMBERSHIP_CHANGES,
            "klaviyo-gateway", Topics.SYNC_BATCHES);

    /** Bulk jobs complete this long after they are queued (the emulator's processing time). */
    static final Duration BULK_JOB_DELAY = Duration.ofMillis(200);

    final Sizes sizes;
    final Duration timeout;
    /** A few characters that keep this run's accounts and keys apart from any earlier run's. */
    final String run;
    final SystemUnderTest system;
    final SyncApi api;
    final KafkaTools kafka;
    /** The events' observedAt: a clock of this run's own, 10 ms a record, so every event is newer than the last. */
    private final AtomicLong clock = new AtomicLong(Instant.parse("2026-11-29T08:00:00Z").toEpochMilli());

    Bench(Sizes sizes, Duration timeout, String run, SystemUnderTest system) {
        this.sizes = sizes;
        this.timeout = timeout;
        this.run = run;
        this.system = system;
        this.api = system.api();
        this.kafka = new KafkaTools(system.kafkaBootstrapServers());
    }

    long writes() {
        return system.klaviyo().calls().all().stream().filter(Call::isWrite).filter(c -> c.apiKey() != null).count();
    }

    void segments(String account, String... ids) {
        for (String id : ids) {
            api.putSegment(account, id, "Segment " + id).expect(200, 201);
        }
        for (String id : ids) {
            if (!"c".equals(id)) {
                api.setSync(account, id, true).expect(200, 202, 204);
            }
        }
    }

    void publish(SegmentEvent e) {
        Instant at = Instant.ofEpochMilli(clock.addAndGet(10));
        kafka.publish(new SegmentEvent(e.accountId(), e.email(), e.segments(), e.entered(), e.exited(), e.deleted(), at));
    }

    /** What segment-service would emit for a new contact entering segment {@code segmentId}: version 1, ADDED. */
    void publishChange(String account, String email, String segmentId) {
        SegmentRef ref = new SegmentRef(segmentId, "Segment " + segmentId);
        MembershipChange c = new MembershipChange(MembershipChange.SCHEMA_VERSION, UUID.randomUUID(), ChangeType.ADDED,
                account, email, 1, List.of(), List.of(ref), ref.name(), ChangeCause.membership(),
                Instant.ofEpochMilli(clock.addAndGet(10)));
        try {
            kafka.publishRaw(Topics.MEMBERSHIP_CHANGES, new ContactKey(account, email).asKafkaKey(),
                    EventJson.mapper().writeValueAsString(c));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void awaitIngested() {
        awaitCaughtUp(List.of("segment-service", "sync-worker"));
    }

    /** The gateway has consumed every batch and no call reached Klaviyo for two seconds. */
    void awaitQuiet(String key) {
        Probe.await("gateway caught up and Klaviyo quiet", timeout, () -> {
            if (kafka.lag("klaviyo-gateway", Topics.SYNC_BATCHES) != 0) {
                return false;
            }
            List<Call> calls = system.klaviyo().calls().forKey(key);
            return calls.isEmpty() || Duration.between(calls.get(calls.size() - 1).at(), Instant.now()).toMillis() > 2000;
        });
    }

    /** Waits for zero lag in the groups, stable for two seconds; returns when it was first seen zero. */
    Instant awaitCaughtUp(List<String> groups) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Instant zeroSince = null;
        long membershipEnd = -1;
        while (System.nanoTime() < deadline) {
            boolean zero = groups.stream().allMatch(g -> kafka.lag(g, GROUPS.get(g)) == 0);
            long end = total(endOffsets(Topics.MEMBERSHIP_CHANGES));
            if (zero && end == membershipEnd) {
                if (zeroSince == null) {
                    zeroSince = Instant.now();
                } else if (Duration.between(zeroSince, Instant.now()).toMillis() >= 2000) {
                    return zeroSince;
                }
            } else {
                zeroSince = null;
            }
            membershipEnd = end;
            Probe.sleep(200);
        }
        throw new IllegalStateException("consumer groups " + groups + " did not catch up within " + timeout);
    }

    /**
     * After a flush: nothing pending, every released SyncBatch published, and no new SyncBatch on the topic for two
     * seconds; returns the time of the last one. (Pending alone is not enough: a release empties the ledger into the
     * outbox at once and the relay publishes after it.)
     */
    Instant awaitReleased(String account) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = total(endOffsets(Topics.SYNC_BATCHES));
        Instant lastChange = Instant.now();
        while (System.nanoTime() < deadline) {
            Probe.sleep(200);
            long now = total(endOffsets(Topics.SYNC_BATCHES));
            if (now != last) {
                last = now;
                lastChange = Instant.now();
            } else if (pending(account) == 0 && unpublished(account) == 0
                    && Duration.between(lastChange, Instant.now()).toMillis() >= 2000) {
                return lastChange;
            }
        }
        throw new IllegalStateException("release of " + account + " did not finish within " + timeout);
    }

    static int members(EmulatedAccount klaviyo) {
        return klaviyo.listByName(SystemUnderTest.LIST_NAME).map(KlaviyoList::id).map(klaviyo::listMemberCount).orElse(0);
    }

    long pending(String account) {
        SyncApi.Answer a = api.windows(account);
        if (a.status() != 200 || a.body() == null) {
            return -1;
        }
        return a.body().path("regular").path("pendingContacts").asLong() + a.body().path("firstEnable").path("pendingContacts").asLong();
    }

    /** Released SyncBatches of the account still in sync-worker's outbox; -1 when unreadable. */
    long unpublished(String account) {
        SyncApi.Answer a = api.windows(account);
        if (a.status() != 200 || a.body() == null) {
            return -1;
        }
        return a.body().path("unpublishedBatches").asLong(-1);
    }

    Map<TopicPartition, Long> endOffsets(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.kafkaBootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, info.partition()));
            }
            return new HashMap<>(c.endOffsets(parts));
        }
    }

    static long total(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    Map<String, Limits.Rate> rates() {
        return rates(sizes.rateScale());
    }

    /** Klaviyo's published rate limits times {@code scale} (1: as published, whatever the run's rate scale). */
    Map<String, Limits.Rate> rates(double scale) {
        Map<String, Limits.Rate> rates = new TreeMap<>();
        system.klaviyo().rateLimits().all().forEach((op, l) -> rates.put(op,
                new Limits.Rate(Limits.scale(l.burstPerSecond(), scale), Limits.scale(l.steadyPerMinute(), scale))));
        return rates;
    }

    /**
     * Every running instance's pid, by service, first instance first (figure 10 runs two of each; the CPU profile
     * sums them, see {@link CpuProfile#sampleInstances}).
     */
    Map<String, List<Long>> pids() {
        Map<String, List<Long>> pids = new TreeMap<>();
        for (String service : GROUPS.keySet()) {
            pids.put(service, system.instances(service).stream().map(s -> s.pid()).toList());
        }
        return pids;
    }

    /** Each running instance's base URL for /q/metrics, by instance name (e.g. sync-worker, sync-worker-2). */
    Map<String, String> managementUrls(String service) {
        Map<String, String> urls = new java.util.LinkedHashMap<>();
        system.instances(service).forEach(s -> urls.put(s.name(), s.managementUrl()));
        return urls;
    }

    static void log(String message) {
        System.out.println("[bench " + Instant.now() + "] " + message);
    }
}
