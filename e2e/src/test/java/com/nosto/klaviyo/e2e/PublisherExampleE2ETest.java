package com.nosto.klaviyo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.emulator.Profile;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import com.nosto.klaviyo.testsupport.Tokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The publisher examples in docs/examples (Node.js, as a non-Java publishing team would write them) work against the
 * running system: each publishes one event, and the shopper reaches Klaviyo. Needs node and npm (as the admin page's
 * browser test does); the Kafka example's kafkajs comes from the folder's package-lock.json.
 */
class PublisherExampleE2ETest extends E2ETestBase {

    private static final Path EXAMPLES = ProjectRoot.find().resolve("docs/examples");

    @Test
    void theRestExamplePublishesAnEventThatReachesKlaviyo() throws Exception {
        connect();
        segment("vip", "VIP", true);

        String out = node("publish-over-rest.mjs", system.service("segment-service").baseUrl(), account,
                Tokens.forAccounts(account), "Rest.Example@Example.com", "vip");

        assertThat(out).startsWith("202");
        model.apply(SegmentEvent.fullSet(account, "rest.example@example.com", List.of("vip"), Instant.now()));
        flushAndAwaitConverged();
        Profile p = system.klaviyo().account(klaviyoKey).profileByEmail("rest.example@example.com").orElseThrow();
        assertThat(p.properties()).containsEntry("nosto_segment", "VIP");
    }

    @Test
    void theKafkaExamplePublishesAKeyedEventThatReachesKlaviyo() throws Exception {
        connect();
        segment("vip", "VIP", true);
        npmCi();

        String out = node("publish-to-kafka.mjs", system.kafkaBootstrapServers(), account, "kafka.example@example.com", "vip");

        assertThat(out).contains("published");
        model.apply(SegmentEvent.delta(account, "kafka.example@example.com", List.of("vip"), List.of(), Instant.now()));
        flushAndAwaitConverged();
        assertThat(system.klaviyoState(klaviyoKey).get("kafka.example@example.com").inList()).isTrue();
    }

    private static void npmCi() throws IOException, InterruptedException {
        if (Files.isDirectory(EXAMPLES.resolve("node_modules/kafkajs"))) {
            return;
        }
        run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"));
    }

    private static String node(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        return run(command);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(EXAMPLES.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as("%s exit status; output:%n%s", command, out).isZero();
        return out;
    }
}
