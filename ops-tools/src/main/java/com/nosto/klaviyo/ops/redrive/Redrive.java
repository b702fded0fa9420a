package com.nosto.klaviyo.ops.redrive;

import com.nosto.klaviyo.ops.redrive.domain.DeadLetters;
import com.nosto.klaviyo.ops.redrive.domain.Letter;
import com.nosto.klaviyo.ops.redrive.domain.LetterFilter;
import com.nosto.klaviyo.ops.redrive.domain.Redaction;
import com.nosto.klaviyo.ops.redrive.domain.Skip;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Re-publishes dead letters to their source topics, byte for byte with their keys.
 *
 * <p>Reads each dead-letter topic from its beginning up to the end offsets taken at start (a snapshot: letters
 * written while it runs, including ones its own records cause, wait for the next run). It reads with
 * {@code assign()} and no consumer group, so it commits nothing and shares no group with anyone; running it twice
 * reads the same letters twice, which is safe because every consumer of the source topics is idempotent (G8).
 * Publishes with an idempotent producer and {@code acks=all}, in the order the letters were read.
 */
public final class Redrive {

    /** What to read and what to publish. */
    public record Options(List<String> dlqTopics, LetterFilter filter, boolean dryRun, Duration stallTimeout) {

        public Options {
            dlqTopics = List.copyOf(new LinkedHashSet<>(dlqTopics));
            if (dlqTopics.isEmpty()) {
                throw new IllegalArgumentException("at least one dead-letter topic is needed");
            }
        }
    }

    private final Properties clientConfig;
    private final Consumer<String> out;

    /**
     * @param clientConfig connection settings shared by the consumer and the producer (bootstrap servers, security)
     * @param out          where a line per matched dead letter goes
     */
    public Redrive(Properties clientConfig, Consumer<String> out) {
        this.clientConfig = clientConfig;
        this.out = out;
    }

    public RedriveReport run(Options options) {
        RedriveReport report = new RedriveReport(options.dryRun(), options.filter().describe());
        Set<String> dlqTopics = new HashSet<>(options.dlqTopics());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer = options.dryRun() ? null
                        : new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = partitions(consumer, options.dlqTopics());
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            consumer.seekToBeginning(partitions);
            Set<TopicPartition> remaining = new LinkedHashSet<>();
            for (TopicPartition tp : partitions) {
                report.snapshot(tp.toString(), begin.get(tp), end.get(tp));
                if (begin.get(tp) < end.get(tp)) {
                    remaining.add(tp);
                } else {
                    consumer.pause(List.of(tp));
                }
            }
            long lastProgress = System.nanoTime();
            while (!remaining.isEmpty()) {
                boolean progressed = false;
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() < end.get(tp)) {
                        handle(record, dlqTopics, options, report, producer);
                        progressed = true;
                    }
                }
                for (TopicPartition tp : new ArrayList<>(remaining)) {
                    if (consumer.position(tp) >= end.get(tp)) {
                        remaining.remove(tp);
                        consumer.pause(List.of(tp));
                        progressed = true;
                    }
                }
                if (progressed) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > options.stallTimeout().toNanos()) {
                    throw new IllegalStateException("No progress reading " + remaining + " for " + options.stallTimeout()
                            + "; nothing after the letters reported above was published");
                }
            }
            if (producer != null) {
                producer.flush();
            }
        }
        return report;
    }

    private void handle(ConsumerRecord<byte[], byte[]> record, Set<String> dlqTopics, Options options, RedriveReport report,
            KafkaProducer<byte[], byte[]> producer) {
        report.countRead();
        String where = record.topic() + "/" + record.partition() + "@" + record.offset();
        Letter letter = DeadLetters.read(record, dlqTopics);
        if (letter.format() == Letter.Format.UNKNOWN) {
            report.countSkipped(letter.skip());
            out.accept("skip           " + where + "  " + letter.skip().name());
            return;
        }
        if (!options.filter().matches(letter)) {
            return;
        }
        report.countMatched();
        String what = where + " -> " + letter.sourceTopic() + "  key=" + Redaction.key(letter.key()) + "  "
                + (letter.value() == null ? 0 : letter.value().length) + " B  " + letter.format() + "  failedAt="
                + letter.failedAt() + "  reason: " + Redaction.text(letter.reason());
        if (!letter.redrivable()) {
            report.countSkipped(letter.skip());
            out.accept("skip           " + what + "  [" + letter.skip().name() + "]");
            return;
        }
        if (producer == null) {
            report.countPublished(letter.sourceTopic());
            out.accept("would publish  " + what);
            return;
        }
        ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(letter.sourceTopic(), null, null, letter.key(), letter.value(),
                letter.headers());
        producer.send(copy, (metadata, error) -> {
            if (error == null) {
                report.countPublished(letter.sourceTopic());
            } else {
                report.countFailed(where + ": " + error);
            }
        });
        out.accept("publish        " + what);
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, List<String> topics) {
        List<TopicPartition> out = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("No such topic: " + topic);
            }
            infos.forEach(p -> out.add(new TopicPartition(p.topic(), p.partition())));
        }
        return out;
    }

    private Properties consumerConfig() {
        Properties p = new Properties();
        p.putAll(clientConfig);
        // No group: assign() reads without joining or committing anywhere.
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "redrive-reader");
        return p;
    }

    private Properties producerConfig() {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "redrive-writer");
        return p;
    }
}
