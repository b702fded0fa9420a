package com.nosto.klaviyo.e2e;

import com.nosto.klaviyo.e2e.harness.KafkaTools;
import com.nosto.klaviyo.e2e.harness.KlaviyoModel;
import com.nosto.klaviyo.e2e.harness.KlaviyoRecorder;
import com.nosto.klaviyo.e2e.harness.OutageChecks;
import com.nosto.klaviyo.e2e.harness.ServiceProcess;
import com.nosto.klaviyo.e2e.harness.SyncApi;
import com.nosto.klaviyo.e2e.harness.SystemUnderTest;
import com.nosto.klaviyo.emulator.EmulatorConfig;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SegmentEvent;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.testsupport.ProjectRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's proof: the system as deployed, with two instances of every service (separate processes) against one
 * broker, PostgreSQL and the Klaviyo emulator with its rate limits on, while a stream of every change kind flows for
 * 20 accounts (over Kafka, and for some contacts over REST) and the failures an SRE meets happen one after another:
 * kill -9 of one instance of each service and its restart, a third gateway instance joining and later leaving,
 * PostgreSQL unreachable for 60 s (a proxy cut), and the broker stopped and restarted. Then every account's window is
 * flushed, and the test waits for Klaviyo to converge (or to stop changing) and checks, each on its own: Klaviyo equals
 * the model, nothing on a dead-letter topic, no duplicate profiles, no two windows of an account applied at once (from
 * the gateway's {@code sync_run} and from its Klaviyo calls), no account over its rate limits and no 429 left
 * unanswered, and on {@code segment-membership-changes} no contact's version published for the first time after a
 * newer one and none left with an older version last. A round published again after a crash (at least once) repeats
 * versions in order: it is counted and reported as duplicates, not failed. The REST ingest must refuse with 503 and
 * {@code Retry-After} while its database is away.
 *
 * <p>Part of {@code mvn verify}. Alone:
 * <pre>
 * mvn -B -ntp -pl e2e -am verify -Dtest=ReplicasAndOutagesE2ETest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * The seed of its randomness is printed first; {@code -Dreplicas.outages.seed=N} replays a run's stream and choices.
 * Its findings are written to {@code e2e/target/replicas-outages-report.txt}, the services' logs to
 * {@code e2e/target/e2e-logs/replicas-outages/}. It takes 6 to 9 minutes on two busy cores, most of it starting JVMs;
 * the failures themselves take about four.
 */
@Tag("replicas-outages")
class ReplicasAndOutagesE2ETest {

    private static final List<String> MODULES = List.of("segment-service", "sync-worker", "klaviyo-gateway");
    /** The service that gets a third instance: a gateway rebalance is where two pods can apply one account at once. */
    private static final String SCALED = "klaviyo-gateway";
    private static final int ACCOUNTS = 20;
    private static final int CONTACTS_PER_ACCOUNT = 25;
    private static final int EVENTS = 2500;
    /** Share of contacts whose events go over REST instead of Kafka (one channel per contact keeps its order). */
    private static final double REST_SHARE = 0.2;
    private static final Duration DATABASE_OUTAGE = Duration.ofSeconds(60);
    /** Failure steps in {@link #injectFailures}: the stream is spread over them. */
    private static final int STEPS = 9;
    /**
     * Klaviyo's limits scaled to a tenth, in the emulator and in the gateway's pacing alike: a correct gateway stays
     * under them, and two gateway processes each pacing one account on its own would go over (a 429).
     */
    private static final double RATE_LIMIT_SCALE = 0.1;
    private static final Map<String, String> SCALED_LIMITS = Map.of(
            "klaviyo.rate-limits.lists-read", "8/s,75/m",
            "klaviyo.rate-limits.list-create", "1/s,15/m",
            "klaviyo.rate-limits.list-members", "1/s,15/m",
            "klaviyo.rate-limits.profiles", "8/s,75/m",
            "klaviyo.rate-limits.bulk-import", "1/s,15/m",
            "klaviyo.rate-limits.deletion", "1/s,6/m");
    private static final String[] SEGMENTS = {"whole-bean", "product-whole-bean", "vip", "lapsed"};
    private static final String[] SYNCED = {"whole-bean", "product-whole-bean", "vip"};
    private static final List<String> DEAD_LETTER_TOPICS = List.of(Topics.SEGMENT_EVENTS_DLQ, Topics.MEMBERSHIP_CHANGES_DLQ,
            Topics.SYNC_BATCHES_DLQ);

    /** One merchant: its Klaviyo key and the model of what Klaviyo should show. */
    private record Account(String id, String key, KlaviyoModel model) {
    }

    /** One event of the stream and how it is published. */
    private record Planned(SegmentEvent event, boolean rest) {
    }

    private final long started = System.nanoTime();
    private final long seed = Long.getLong("replicas.outages.seed", System.nanoTime());
    private final List<String> timeline = new ArrayList<>();
    private final Map<String, Integer> restAnswers = new TreeMap<>();
    private final AtomicBoolean failuresOver = new AtomicBoolean();
    private final AtomicInteger stage = new AtomicInteger();
    /** The public API through instance 0 and through instance 1 of every service (what a load balancer offers). */
    private List<SyncApi> apis;

    @Test
    void replicasSurviveKillsRebalancesAndOutages() throws Exception {
        System.out.println("ReplicasAndOutagesE2ETest seed " + seed + " (-Dreplicas.outages.seed=" + seed + " replays it)");
        Random random = new Random(seed);
        E2ESystem.release();

        try (SystemUnderTest system = SystemUnderTest.start(SystemUnderTest.Options.of(Duration.ofSeconds(10), Duration.ofSeconds(4))
                .withInstances(2)
                .withFailureDrills()
                .withEmulator(EmulatorConfig.defaults().withRateLimitScale(RATE_LIMIT_SCALE).withBulkJobDelay(Duration.ofMillis(50))
                        .withCallLogCapacity(100_000))
                .withSystemProperties("klaviyo-gateway", gatewaySettings())
                .withLogDir(ProjectRoot.find().resolve("e2e/target/e2e-logs/replicas-outages"))
                .withReadyTimeout(Duration.ofSeconds(Long.getLong("e2e.ready-timeout-seconds", 300))));
             KafkaTools kafka = new KafkaTools(system.kafkaBootstrapServers())) {
            mark("system up: 2 instances of each service");
            apis = List.of(system.api(0), system.api(1));
            List<Account> accounts = connectAccounts(system);
            List<Planned> stream = plan(accounts, random);
            mark("stream planned: " + stream.size() + " events, " + stream.stream().filter(Planned::rest).count() + " over REST");

            CompletableFuture<Void> overKafka = CompletableFuture.runAsync(() -> publishOverKafka(kafka, stream));
            CompletableFuture<Void> overRest = CompletableFuture.runAsync(() -> publishOverRest(system, stream));
            try {
                injectFailures(system, random);
            } finally {
                failuresOver.set(true);
            }
            overKafka.get(5, TimeUnit.MINUTES);
            overRest.get(5, TimeUnit.MINUTES);
            kafka.flush();
            mark("stream published");

            List<String> differences = awaitConvergence(system, accounts);
            check(system, kafka, accounts, differences);
        }
    }

    private static Map<String, String> gatewaySettings() {
        Map<String, String> settings = new java.util.HashMap<>(SCALED_LIMITS);
        // An account waiting out a failure backs off up to 10 minutes by default: longer than this test may wait.
        settings.put("gateway.apply.retry-initial-backoff", "1s");
        settings.put("gateway.apply.retry-max-backoff", "5s");
        return settings;
    }

    // ---- The merchants and the stream --------------------------------------------------------------------------

    private List<Account> connectAccounts(SystemUnderTest system) {
        SyncApi api = system.api();
        List<Account> accounts = new ArrayList<>();
        String run = Long.toString(Math.abs(seed) % 100_000, 36);
        for (int a = 0; a < ACCOUNTS; a++) {
            String id = "ro-" + run + "-" + a;
            String key = "pk_ro_" + run + "_" + a + "_0000";
            system.klaviyo().account(key);
            api.connectKlaviyo(id, key).expect(200, 201);
            KlaviyoModel model = new KlaviyoModel();
            Map<String, String> names = Map.of("whole-bean", "Category affinity: Whole_Bean", "product-whole-bean",
                    "Product affinity: Whole_Bean", "vip", "VIP", "lapsed", "Lapsed");
            for (String segment : SEGMENTS) {
                api.putSegment(id, segment, names.get(segment)).expect(200, 201);
                model.segment(segment, names.get(segment));
            }
            for (String segment : SYNCED) {
                api.setSync(id, segment, true).expect(200, 202, 204);
                model.sync(segment, true);
            }
            accounts.add(new Account(id, key, model));
        }
        mark(ACCOUNTS + " accounts connected, 3 of 4 segments synced");
        return accounts;
    }

    /**
     * Every change kind, chosen from each contact's current segments: added, re-added after a deletion, entered,
     * exited, moved between synced segments (one delta), a full set, deleted. The model takes each in stream order,
     * which is the order the system receives each contact's events in (one channel and one partition per contact).
     */
    private List<Planned> plan(List<Account> accounts, Random random) {
        Map<String, Set<String>> current = new LinkedHashMap<>();
        Map<String, Boolean> overRest = new LinkedHashMap<>();
        Map<String, Integer> kinds = new TreeMap<>();
        Instant clock = Instant.now().minus(Duration.ofHours(2));
        List<Planned> stream = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            Account account = accounts.get(random.nextInt(accounts.size()));
            String email = "c" + random.nextInt(CONTACTS_PER_ACCOUNT) + "." + account.id() + "@example.com";
            String contact = account.id() + "|" + email;
            boolean rest = overRest.computeIfAbsent(contact, c -> random.nextDouble() < REST_SHARE);
            Set<String> segments = current.get(contact);
            String kind;
            SegmentEvent event;
            List<String> in = segments == null ? List.of() : List.copyOf(segments);
            List<String> syncedIn = in.stream().filter(s -> !s.equals("lapsed")).toList();
            List<String> syncedOut = java.util.Arrays.stream(SYNCED).filter(s -> !in.contains(s)).toList();
            double r = random.nextDouble();
            if (segments == null) {
                kind = current.containsKey(contact) ? "re-added" : "added";
                event = SegmentEvent.fullSet(account.id(), email, pick(random, 1 + random.nextInt(2)), null);
            } else if (r < 0.25 && !syncedOut.isEmpty()) {
                kind = "entered";
                event = SegmentEvent.delta(account.id(), email, List.of(syncedOut.get(random.nextInt(syncedOut.size()))), List.of(), null);
            } else if (r < 0.45 && !in.isEmpty()) {
                kind = "exited";
                event = SegmentEvent.delta(account.id(), email, List.of(), List.of(in.get(random.nextInt(in.size()))), null);
            } else if (r < 0.70 && !syncedIn.isEmpty() && !syncedOut.isEmpty()) {
                kind = "moved";
                event = SegmentEvent.delta(account.id(), email, List.of(syncedOut.get(random.nextInt(syncedOut.size()))),
                        List.of(syncedIn.get(random.nextInt(syncedIn.size()))), null);
            } else if (r < 0.88) {
                kind = "full set";
                event = SegmentEvent.fullSet(account.id(), email, pick(random, 1 + random.nextInt(3)), null);
            } else {
                kind = "deleted";
                event = SegmentEvent.deletion(account.id(), email, null);
            }
            clock = clock.plusMillis(50);
            event = new SegmentEvent(event.accountId(), event.email(), event.segments(), event.entered(), event.exited(),
                    event.deleted(), clock);
            account.model().apply(event);
            current.put(contact, next(segments, event));
            kinds.merge(kind, 1, Integer::sum);
            stream.add(new Planned(event, rest));
        }
        mark("change kinds: " + kinds);
        return stream;
    }

    private static List<String> pick(Random random, int n) {
        List<String> all = new ArrayList<>(List.of(SEGMENTS));
        java.util.Collections.shuffle(all, random);
        return List.copyOf(all.subList(0, n));
    }

    /** A contact's segments after {@code e}; null once deleted (the next event re-adds it). */
    private static Set<String> next(Set<String> before, SegmentEvent e) {
        return switch (e.form()) {
            case DELETION -> null;
            case FULL_SET -> new LinkedHashSet<>(e.segments());
            case DELTA -> {
                Set<String> after = new LinkedHashSet<>(before == null ? Set.of() : before);
                after.removeAll(e.exited());
                after.addAll(e.entered());
                yield after;
            }
        };
    }

    private void publishOverKafka(KafkaTools kafka, List<Planned> stream) {
        List<Planned> mine = stream.stream().filter(p -> !p.rest()).toList();
        for (int i = 0; i < mine.size(); i++) {
            keepPace(i, mine.size(), 50);
            kafka.publish(mine.get(i).event());
        }
        kafka.flush();
    }

    /**
     * Spreads a channel's events over the failure steps (event {@code i} of {@code n} waits for step i * STEPS / n),
     * so each failure meets traffic however long the steps before it took; at most one event every {@code millis}.
     */
    private void keepPace(int i, int n, long millis) {
        while (!failuresOver.get() && (long) i * STEPS >= (long) (stage.get() + 1) * n) {
            sleep(100);
        }
        if (!failuresOver.get()) {
            sleep(millis);
        }
    }

    /**
     * As a publisher behind a load balancer: each event to the next segment-service instance; a refused connection,
     * a 5xx or a 429 is retried (after Retry-After when given) until accepted. Every answer that is not an acceptance
     * is counted by status for the report ("refused" when no instance answered).
     */
    private void publishOverRest(SystemUnderTest system, List<Planned> stream) {
        List<Planned> mine = stream.stream().filter(Planned::rest).toList();
        int next = 0;
        for (int e = 0; e < mine.size(); e++) {
            keepPace(e, mine.size(), 200);
            SegmentEvent event = mine.get(e).event();
            while (true) {
                int i = next++ % apis.size();
                SyncApi.Answer answer;
                try {
                    answer = apis.get(i).publish(event.accountId(), List.of(event));
                } catch (RuntimeException down) {
                    count("no answer (" + system.instance("segment-service", i).name() + " down)");
                    sleep(200);
                    continue;
                }
                if (answer.status() == 200 || answer.status() == 202) {
                    break;
                }
                count(answer.status() + (answer.retryAfter() == null ? " without" : " with") + " Retry-After");
                if (answer.status() < 500 && answer.status() != 429) {
                    throw new IllegalStateException("REST publish refused a valid event: " + answer.status() + " " + answer.body());
                }
                sleep(answer.retryAfter() == null ? 1000 : Long.parseLong(answer.retryAfter().trim()) * 1000);
            }
        }
    }

    private synchronized void count(String answer) {
        restAnswers.merge(answer, 1, Integer::sum);
    }

    // ---- Failures ------------------------------------------------------------------------------------------------

    /**
     * One after another, while the stream flows: kill -9 of one instance of each service, their restart, a third
     * gateway instance joining, PostgreSQL unreachable for 60 s, the third instance leaving, the broker stopped and
     * restarted. Pauses between them only space the failures; nothing here waits for an outcome.
     */
    private void injectFailures(SystemUnderTest system, Random random) {
        sleep(10_000);
        List<ServiceProcess> killed = new ArrayList<>();
        for (String module : MODULES) {
            ServiceProcess victim = system.instance(module, random.nextInt(2));
            victim.kill();
            killed.add(victim);
            step("kill -9 " + victim.name());
            sleep(2_000 + random.nextInt(3_000));
        }
        sleep(10_000);
        // The killed instances come back while a third gateway instance joins: the gateways' group rebalances twice.
        killed.forEach(ServiceProcess::start);
        ServiceProcess third = system.addInstance(SCALED);
        killed.forEach(s -> s.awaitReady(Duration.ofMinutes(5)));
        step("restarted " + killed.stream().map(ServiceProcess::name).toList() + "; " + third.name() + " joined");
        sleep(5_000 + random.nextInt(5_000));

        system.databaseProxy().cut();
        step("PostgreSQL unreachable (proxy cut)");
        sleep(DATABASE_OUTAGE.toMillis());
        system.databaseProxy().restore();
        step("PostgreSQL back (proxy restored)");
        sleep(10_000);

        system.removeInstance(SCALED);
        step(third.name() + " left (SIGTERM)");
        sleep(5_000);

        system.kafkaBroker().stop();
        step("broker stopped");
        sleep(5_000);
        system.kafkaBroker().restart();
        step("broker restarted");
    }

    /** A failure happened: the stream may move on to its next share (see {@link #keepPace}). */
    private void step(String what) {
        mark(what);
        stage.incrementAndGet();
    }

    // ---- Convergence and checks -----------------------------------------------------------------------------------

    /**
     * Flushes every account's window and waits until Klaviyo equals the model, or until the differences have not
     * changed for a minute (the system has stopped making progress: waiting longer would only slow the report).
     */
    private List<String> awaitConvergence(SystemUnderTest system, List<Account> accounts) {
        AtomicReference<List<String>> differences = new AtomicReference<>(List.of("not compared yet"));
        AtomicReference<Long> lastChange = new AtomicReference<>(System.nanoTime());
        try {
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                for (Account a : accounts) {
                    flush(a.id());
                }
                List<String> now = differences(system, accounts);
                if (!now.equals(differences.getAndSet(now))) {
                    lastChange.set(System.nanoTime());
                }
                return now.isEmpty() || System.nanoTime() - lastChange.get() > TimeUnit.SECONDS.toNanos(60);
            });
        } catch (ConditionTimeoutException e) {
            // Reported below by the model comparison.
        }
        mark(differences.get().isEmpty() ? "Klaviyo converged" : "Klaviyo stopped changing with " + differences.get().size()
                + " contacts differing");
        return differences.get();
    }

    /** SRE flush through whichever sync-worker instance answers. */
    private void flush(String account) {
        for (SyncApi api : apis) {
            try {
                api.flush(account);
                return;
            } catch (RuntimeException e) {
                // that instance is down: try the next
            }
        }
    }

    private static List<String> differences(SystemUnderTest system, List<Account> accounts) {
        List<String> out = new ArrayList<>();
        for (Account a : accounts) {
            a.model().differences(system.klaviyoState(a.key())).forEach(d -> out.add(a.id() + " " + d));
        }
        return out;
    }

    private void check(SystemUnderTest system, KafkaTools kafka, List<Account> accounts, List<String> differences) throws IOException {
        SoftAssertions softly = new SoftAssertions();
        List<String> report = new ArrayList<>();

        softly.assertThat(kafka.failedSends()).as("harness: segment events the broker refused for good").isZero();

        long accountsDiffering = differences.stream().map(d -> d.substring(0, d.indexOf(' '))).distinct().count();
        report.add("contacts differing from the model: " + differences.size() + " in " + accountsDiffering + " accounts");
        softly.assertThat(first(differences)).as("Klaviyo equals the model for every contact (%d contacts in %d accounts differ)",
                differences.size(), accountsDiffering).isEmpty();

        StringBuilder deadText = new StringBuilder();
        for (String topic : DEAD_LETTER_TOPICS) {
            List<ConsumerRecord<String, String>> dead = kafka.readAll(topic);
            Map<String, Long> reasons = dead.stream().collect(Collectors.groupingBy(ReplicasAndOutagesE2ETest::reason,
                    TreeMap::new, Collectors.counting()));
            report.add("records on " + topic + ": " + dead.size() + (dead.isEmpty() ? "" : ", by reason " + reasons));
            softly.assertThat(dead.size()).as("records on %s (by reason: %s)", topic, reasons).isZero();
            dead.forEach(r -> deadText.append(r.key()).append(' ').append(r.value()).append('\n'));
        }
        // A diagnosis for whoever fixes it: were the contacts Klaviyo got wrong the ones whose changes were dead-lettered?
        long deadLettered = differences.stream().map(d -> d.substring(d.indexOf(' ') + 1, d.indexOf(':')))
                .filter(email -> deadText.indexOf(email) >= 0).count();
        report.add("of the differing contacts, " + deadLettered + " appear in a dead-lettered record");

        List<String> duplicates = new ArrayList<>();
        for (Account a : accounts) {
            system.profileCounts(a.key()).forEach((email, n) -> {
                if (n > 1) {
                    duplicates.add(a.id() + " " + email + " x" + n);
                }
            });
        }
        report.add("duplicate profiles: " + duplicates.size());
        softly.assertThat(first(duplicates)).as("duplicate profiles in Klaviyo (%d)", duplicates.size()).isEmpty();

        List<String> waiting = OutageChecks.waitingWindows(system.database());
        report.add("windows waiting in the gateway's inbox: " + waiting.size() + (waiting.isEmpty() ? "" : " " + first(waiting)));

        List<OutageChecks.SyncRun> runs = OutageChecks.syncRuns(system.database());
        List<String> overlapping = OutageChecks.overlappingRuns(runs);
        report.add("sync_run rows: " + runs.size() + ", overlapping pairs: " + overlapping.size());
        softly.assertThat(first(overlapping)).as("windows of one account applied at once, from sync_run (%d pairs)",
                overlapping.size()).isEmpty();

        List<KlaviyoRecorder.Call> calls = system.klaviyoRecorder().calls();
        List<String> concurrent = OutageChecks.concurrentAppliers(calls);
        report.add("Klaviyo calls: " + calls.size() + " by instance " + calls.stream().collect(Collectors.groupingBy(
                KlaviyoRecorder.Call::instance, TreeMap::new, Collectors.counting())));
        report.add("times two gateway processes called Klaviyo for one account at once: " + concurrent.size());
        softly.assertThat(first(concurrent)).as("two gateway processes calling Klaviyo for one account at once (%d times)",
                concurrent.size()).isEmpty();

        Map<String, Long> throttled = OutageChecks.throttledPerAccount(calls);
        List<String> early = OutageChecks.earlyAfterThrottle(calls);
        report.add("429s: " + throttled.values().stream().mapToLong(Long::longValue).sum() + " in " + throttled.size()
                + " accounts " + throttled);
        List<String> givenUp = OutageChecks.throttledAndGivenUp(calls);
        report.add("calls earlier than a 429's Retry-After: " + early.size() + "; 429s with no accepted call after them: "
                + givenUp.size());
        softly.assertThat(first(early)).as("calls earlier than the Retry-After of a 429 (%d)", early.size()).isEmpty();
        softly.assertThat(first(givenUp)).as("429s never followed by an accepted call (%d)", givenUp.size()).isEmpty();
        softly.assertThat(throttled).as("429s per account: each is a call over the account's Klaviyo rate limit").isEmpty();

        List<Map.Entry<String, Long>> versions = new ArrayList<>();
        for (ConsumerRecord<String, String> r : kafka.readAll(Topics.MEMBERSHIP_CHANGES)) {
            if (r.value() != null) {
                versions.add(Map.entry(r.key(), EventJson.mapper().readTree(r.value()).path("version").asLong()));
            }
        }
        OutageChecks.Versions v = OutageChecks.versions(versions);
        report.add(Topics.MEMBERSHIP_CHANGES + ": " + v.records() + " records; " + v.decreases() + " with a lower version than the "
                + "record before (" + v.reordered() + " of them published for the first time after a newer one, the rest "
                + "re-publications); " + v.staleLast() + " contacts whose last record is not their newest version; " + v.duplicates()
                + " duplicates (same key and version); e.g. " + v.examples());
        softly.assertThat(v.reordered()).as("versions on %s published for the first time after a newer one of the contact, e.g. %s",
                Topics.MEMBERSHIP_CHANGES, v.examples()).isZero();
        softly.assertThat(v.staleLast()).as("contacts whose last record on %s (what compaction keeps) is older than their newest, "
                + "e.g. %s", Topics.MEMBERSHIP_CHANGES, v.examples()).isZero();

        Map<String, Integer> refusals = new TreeMap<>(restAnswers);
        refusals.keySet().removeIf(a -> a.equals("503 with Retry-After") || a.startsWith("no answer"));
        report.add("REST publish answers other than 200/202, by kind: " + restAnswers);
        softly.assertThat(refusals).as("REST ingest refusals other than 503 with Retry-After (a publisher must know to retry)")
                .isEmpty();

        for (Account a : accounts) {
            softly.assertThat(system.klaviyo().account(a.key()).consentLog()).as("consent untouched in %s (G4)", a.id()).isEmpty();
        }

        mark("checked");
        List<String> out = new ArrayList<>(List.of("seed " + seed, "timeline:"));
        out.addAll(timeline.stream().map(t -> "  " + t).toList());
        out.add("findings:");
        out.addAll(report.stream().map(r -> "  " + r).toList());
        out.add("differing contacts (first 20): " + first(differences));
        Path file = ProjectRoot.find().resolve("e2e/target/replicas-outages-report.txt");
        Files.createDirectories(file.getParent());
        Files.write(file, out);
        out.forEach(System.out::println);
        softly.assertAll();
    }

    /** The reason a dead letter gives: the failure strategy's header, or the service's DeadLetter JSON. */
    private static String reason(ConsumerRecord<String, String> r) {
        Header header = r.headers().lastHeader("dead-letter-reason");
        String reason;
        if (header != null) {
            reason = new String(header.value());
        } else {
            try {
                reason = EventJson.mapper().readTree(r.value()).path("reason").asText("?");
            } catch (IOException e) {
                reason = "unreadable";
            }
        }
        return reason.length() > 100 ? reason.substring(0, 100) + "…" : reason;
    }

    private static List<String> first(List<String> lines) {
        return lines.size() <= 20 ? lines : lines.subList(0, 20);
    }

    private void mark(String what) {
        String line = String.format("%4ds %s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), what);
        timeline.add(line);
        System.out.println("[replicas-outages] " + line);
    }

    private static void sleep(long millis) {
        // Pacing the stream and spacing the failures, never waiting for an outcome.
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
