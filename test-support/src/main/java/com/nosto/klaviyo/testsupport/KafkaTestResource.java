package com.nosto.klaviyo.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Hands a test a real Kafka broker, in this order:
 * <ol>
 *   <li>{@code KAFKA_BOOTSTRAP_SERVERS} from the environment, if set;</li>
 *   <li>a Testcontainers broker, if a Docker engine is available;</li>
 *   <li>otherwise a broker process started from the Kafka server jars ({@link LocalKafkaBroker}).</li>
 * </ol>
 * One broker per test JVM, shared by all test classes and stopped when the JVM exits. Topics named in
 * the {@code topics} init arg ({@code name:partitions,…}) are created explicitly: brokers here do not
 * auto-create topics.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    private static final Logger LOG = Logger.getLogger(KafkaTestResource.class);
    private static String bootstrapServers;

    private final Map<String, Integer> topics = new HashMap<>();

    @Override
    public void init(Map<String, String> initArgs) {
        String spec = initArgs.getOrDefault("topics", "");
        for (String item : spec.split(",")) {
            if (!item.isBlank()) {
                String[] parts = item.trim().split(":");
                topics.put(parts[0], parts.length > 1 ? Integer.parseInt(parts[1]) : 1);
            }
        }
    }

    @Override
    public Map<String, String> start() {
        String servers = bootstrapServers();
        createTopics(servers, topics);
        return Map.of("kafka.bootstrap.servers", servers);
    }

    @Override
    public void stop() {
        // Shared for the whole JVM; a shutdown hook stops what this class started.
    }

    public static synchronized String bootstrapServers() {
        if (bootstrapServers != null) {
            return bootstrapServers;
        }
        String fromEnv = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (fromEnv != null && !fromEnv.isBlank()) {
            LOG.infof("Kafka: using KAFKA_BOOTSTRAP_SERVERS=%s", fromEnv);
            bootstrapServers = fromEnv;
        } else if (dockerAvailable()) {
            KafkaContainer container = new KafkaContainer("apache/kafka:4.1.2")
                    .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            LOG.infof("Kafka: Testcontainers broker at %s", container.getBootstrapServers());
            bootstrapServers = container.getBootstrapServers();
        } else {
            long start = System.nanoTime();
            LocalKafkaBroker broker = LocalKafkaBroker.start();
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
            LOG.infof("Kafka: local broker process at %s (ready in %d ms)", broker.bootstrapServers(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            bootstrapServers = broker.bootstrapServers();
        }
        return bootstrapServers;
    }

    /**
     * Creates the topics (an existing one is left as it is) and returns once the broker leads every partition of
     * them: a topic is "created" before its partitions are led, and an idempotent producer's first request to a
     * partition not led yet fails with NOT_LEADER_OR_FOLLOWER, after which the broker answered its retries with
     * OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout (records lost in CI runs). Led means the partition's
     * leader answers a ListOffsets request, which the admin client retries until it does.
     */
    public static void createTopics(String servers, Map<String, Integer> topics) {
        if (topics.isEmpty()) {
            return;
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (Admin admin = Admin.create(props)) {
            List<NewTopic> wanted = new ArrayList<>();
            topics.forEach((name, partitions) -> wanted.add(new NewTopic(name, partitions, (short) 1)));
            admin.createTopics(wanted).values().forEach((name, future) -> {
                try {
                    future.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Cannot create topic " + name, e.getCause());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot create topic " + name, e);
                }
            });
            awaitLed(admin, topics.keySet());
        }
    }

    /**
     * Asks every partition's leader for its end offset until all answer. Just after creation the broker answers
     * UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER (retriable errors, which the admin client does not retry
     * here), so it is asked again every 100 ms, for at most 60 s.
     */
    private static void awaitLed(Admin admin, Collection<String> topics) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Throwable last = null;
        try {
            while (System.nanoTime() < deadline) {
                try {
                    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                    admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, description) ->
                            description.partitions().forEach(p -> partitions.put(new TopicPartition(name, p.partition()),
                                    OffsetSpec.latest())));
                    admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException)) {
                        throw new IllegalStateException("Cannot read the end offsets of " + topics, e.getCause());
                    }
                    last = e.getCause();
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted waiting for the partitions of " + topics + " to be led", e);
        } catch (TimeoutException e) {
            last = e;
        }
        throw new IllegalStateException("The partitions of " + topics + " were not led within 60 s", last);
    }

    static boolean dockerAvailable() {
        // Without a socket or DOCKER_HOST there is nothing to ask; skip Testcontainers' noisy probe.
        if (System.getenv("DOCKER_HOST") == null && !java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }
}
