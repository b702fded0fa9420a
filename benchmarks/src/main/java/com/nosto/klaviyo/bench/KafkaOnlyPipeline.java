package com.nosto.klaviyo.bench;

import com.nosto.klaviyo.testsupport.KafkaTestResource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Figure 1's second reference: what the Kafka work alone costs. Two relay stages, running at once as
 * segment-service and sync-worker do, copy the same records hop by hop ({@code segment-events} → topic A →
 * topic B) with no work in between: no parsing, no database. Consumers read text in polls of 500 as the services
 * do; producers send with {@code acks=all} and idempotence, either with the services' batching ({@link
 * Batching#SERVICES}: {@code linger.ms=5}, the client's 16 KB batches) or with batches as large as a poll
 * ({@link Batching#LARGE}: 256 KB, {@code linger.ms=20}). Its rate is the ceiling any pipeline of two
 * consuming-and-producing services reaches on this broker and these cores, whatever it does per event, so it
 * tells the cost of the Kafka hops from the cost of the services' own work. Offsets are not committed (the
 * services commit throttled, every few seconds: a negligible share).
 */
final class KafkaOnlyPipeline {

    /** How the run went: records copied by each hop, and how long until the second hop had all of them acknowledged. */
    record Result(long records, Duration elapsed) {
        double perSecond() {
            return records / Math.max(1e-3, elapsed.toNanos() / 1e9);
        }
    }

    /** The producers' batching. */
    enum Batching {
        /** As segment-service's and sync-worker's producers are configured. */
        SERVICES(16_384, 5),
        /** A poll's records in one batch per partition: fewer, larger requests for the broker. */
        LARGE(262_144, 20);

        final int batchSize;
        final int lingerMs;

        Batching(int batchSize, int lingerMs) {
            this.batchSize = batchSize;
            this.lingerMs = lingerMs;
        }
    }

    private static final int PARTITIONS = 6;
    private static final int POLL_RECORDS = 500;

    private final String servers;
    private final Duration timeout;
    private final Batching batching;

    KafkaOnlyPipeline(String servers, Duration timeout, Batching batching) {
        this.servers = servers;
        this.timeout = timeout;
        this.batching = batching;
    }

    /**
     * Copies the records in {@code [start, end)} of the source topic through two fresh topics (named after
     * {@code run}, deleted afterwards) and returns when the second hop's producer had every record acknowledged.
     */
    Result run(String run, Map<TopicPartition, Long> start, Map<TopicPartition, Long> end) {
        String a = "bench-kafka-only-a-" + batching.name().toLowerCase() + "-" + run;
        String b = "bench-kafka-only-b-" + batching.name().toLowerCase() + "-" + run;
        KafkaTestResource.createTopics(servers, Map.of(a, PARTITIONS, b, PARTITIONS));
        long records = end.entrySet().stream().mapToLong(e -> e.getValue() - start.getOrDefault(e.getKey(), 0L)).sum();
        // A thread per stage (the common pool may have one thread on two cores, which would run them one after the other).
        ExecutorService stages = Executors.newFixedThreadPool(2);
        try {
            // createTopics returned with every partition led (an idempotent producer's first write to a partition
            // not led yet was refused for good in a CI run: 397 of 400 records arrived). A fresh topic is empty.
            Map<TopicPartition, Long> fromA = after(a);
            long t0 = System.nanoTime();
            Future<Long> first = stages.submit(() -> relay(start, records, a));
            Future<Long> second = stages.submit(() -> relay(fromA, records, b));
            long copied = first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long copiedAgain = second.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
            if (copied != records || copiedAgain != records) {
                throw new IllegalStateException("the Kafka-only relay copied " + copied + " and " + copiedAgain + " of " + records);
            }
            return new Result(records, elapsed);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the Kafka-only relay did not finish", e);
        } finally {
            stages.shutdownNow();
            deleteTopics(List.of(a, b));
        }
    }

    /** One stage: reads from {@code from} (partition → first offset) until {@code count} records, producing each to {@code to}. */
    private long relay(Map<TopicPartition, Long> from, long count, String to) {
        Properties c = consumerProperties();
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, POLL_RECORDS);
        Properties p = producerProperties();
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, batching.lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, batching.batchSize);
        long deadline = System.nanoTime() + timeout.toNanos();
        long copied = 0;
        // The first send the broker refused: the stage fails with it instead of its reader waiting for the record.
        AtomicReference<Exception> refused = new AtomicReference<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
                KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            while (copied < count && refused.get() == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("copied " + copied + " of " + count + " to " + to);
                }
                ConsumerRecords<String, String> polled = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> r : polled) {
                    producer.send(new ProducerRecord<>(to, r.key(), r.value()), (meta, e) -> {
                        if (e != null) {
                            refused.compareAndSet(null, e);
                        }
                    });
                    copied++;
                }
            }
            producer.flush();
        }
        if (refused.get() != null) {
            throw new IllegalStateException("a record could not be written to " + to, refused.get());
        }
        return copied;
    }

    /** Every partition of a topic at its end offset now. */
    private Map<TopicPartition, Long> after(String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            if (partitions.size() != PARTITIONS) {
                throw new IllegalStateException(topic + " has " + partitions.size() + " partitions, not " + PARTITIONS);
            }
            return consumer.endOffsets(partitions, Duration.ofSeconds(30));
        }
    }

    /** Text keys and values, as the services read them. */
    private Properties consumerProperties() {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return c;
    }

    /** Text keys and values, {@code acks=all}, as the services write them. */
    private Properties producerProperties() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }

    private void deleteTopics(List<String> topics) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (Admin admin = Admin.create(p)) {
            admin.deleteTopics(new ArrayList<>(topics)).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Left behind on a broker of the run's own: nothing reads them, and the figure is already measured.
        }
    }
}
