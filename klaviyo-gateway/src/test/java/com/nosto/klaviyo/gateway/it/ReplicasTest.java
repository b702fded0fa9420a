package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.gateway.repository.AccountLeaseRepository;
import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 points 3-5 with replicas: gateway replicas in this JVM ({@link SecondGateway}: the production classes with
 * their own Klaviyo client and pacer) against one database, one inbox and the emulator. The application itself applies
 * nothing here (concurrency 0); it consumes the topic into the inbox. Leases live 6 s (renewed every 500 ms), chunks are
 * 10 contacts, 5 or more upserts go in bulk, and profile writes are paced at 8 a minute. Each of these failed on the
 * gateway that held a window's records in memory.
 */
@QuarkusTest
@TestProfile(ReplicasTest.Replicas.class)
class ReplicasTest extends GatewayTestBase {

    static final int PROFILES_PER_MINUTE = 8;
    static final int WINDOWS = 12;

    public static class Replicas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.apply.concurrency", "0", "gateway.apply.lease-ttl", "6s", "gateway.apply.lease-margin", "2s",
                    "gateway.apply.lease-renew-interval", "1s", "gateway.apply.chunk-contacts", "10",
                    "klaviyo.batching.bulk-threshold", "5", "klaviyo.rate-limits.profiles", "50/s," + PROFILES_PER_MINUTE + "/m");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    SecondGateway.Shared shared;

    private final List<SecondGateway> replicas = new ArrayList<>();

    private SecondGateway replica(String name, int concurrency) {
        SecondGateway r = new SecondGateway(name, concurrency, shared);
        replicas.add(r);
        return r;
    }

    @AfterEach
    void stopReplicas() {
        replicas.forEach(SecondGateway::close);
    }

    private List<ContactState> people(String prefix, int n) {
        List<ContactState> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(added(email(prefix + i), 1, "A"));
        }
        return out;
    }

    private void awaitInbox(int batches) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection().getInt("parkedBatches")).isEqualTo(batches));
    }

    @Test
    void twoReplicasNeverApplyOneAccountAtOnce() {
        connect();
        emulator().faults().latency("bulk_import_profiles", Duration.ofMillis(150));
        for (int w = 0; w < WINDOWS; w++) {
            publishWindow("w" + w, people("w" + w + "x", 6));
        }
        awaitInbox(2 * WINDOWS);
        // Both replicas go for the account all the time: whichever holds the lease applies a window, then both ask again.
        SecondGateway a = replica("pod-a", 0).renewing().turning(accountId);
        SecondGateway b = replica("pod-b", 0).renewing().turning(accountId);

        awaitWindows(WINDOWS);
        await().atMost(WAIT).until(() -> connection().getInt("parkedBatches") == 0);

        // Each window is one turn (one chunk): its sync run spans the turn. No two overlap.
        List<Instant[]> turns = new ArrayList<>();
        var runs = syncRuns();
        for (int i = 0; i < WINDOWS; i++) {
            turns.add(new Instant[] {Instant.parse(runs.getString("[" + i + "].startedAt")), Instant.parse(runs.getString("[" + i + "].finishedAt"))});
        }
        turns.sort((x, y) -> x[0].compareTo(y[0]));
        for (int i = 1; i < turns.size(); i++) {
            assertThat(turns.get(i)[0]).as("turn %d starts after turn %d ended", i, i - 1).isAfterOrEqualTo(turns.get(i - 1)[1]);
        }
        // And no window was applied twice: one bulk job each, every job with one window's contacts only.
        List<Call> jobs = emulator().calls().forKey(apiKey).stream().filter(c -> "bulk_import_profiles".equals(c.operationId())).toList();
        assertThat(jobs).hasSize(WINDOWS);
        for (int w = 0; w < WINDOWS; w++) {
            String window = "w" + w + "x";
            assertThat(jobs.stream().filter(c -> c.requestBody().contains(email(window + "0")))).hasSize(1);
        }
        assertThat(a.calls()).as("pod-a called Klaviyo").isPositive();
        assertThat(b.calls()).as("pod-b called Klaviyo").isPositive();
        assertThat(members()).hasSize(6 * WINDOWS);
    }

    @Test
    void aWindowBegunIsFinishedBeforeTheNextStartsThoughItsRestArrivedLater() {
        // w1's first batch, then the whole of w2, then w1's rest and its marker: w1 begins first (oldest batch), and after
        // its first chunk (10 contacts) what is left of it arrived after w2. Ordered by arrival alone, w2 would be applied
        // between w1's chunks: two windows of one account applied at once in the sync history.
        connect();
        publish(batch("w1", 0, people("w1x", 10)));
        publishWindow("w2", people("w2x", 3));
        publish(batch("w1", 1, people("w1y", 4)));
        publish(marker("w1", 2));
        awaitInbox(5);
        SecondGateway a = replica("pod-a", 0).renewing();

        for (int turn = 0; turn < 6 && connection().getInt("parkedBatches") > 0; turn++) {
            assertThat(a.turn(accountId)).as("turn %d", turn).isTrue();
        }

        awaitWindows(2);
        var runs = syncRuns();
        Map<String, Instant[]> byWindow = new TreeMap<>();
        for (int i = 0; i < 2; i++) {
            byWindow.put(runs.getString("[" + i + "].windowId"), new Instant[] {Instant.parse(runs.getString("[" + i + "].startedAt")),
                    Instant.parse(runs.getString("[" + i + "].finishedAt"))});
        }
        assertThat(byWindow.get("w2")[0]).as("w2 starts after w1, begun first, ended").isAfterOrEqualTo(byWindow.get("w1")[1]);
        assertThat(members()).hasSize(17);
    }

    @Test
    void aReplicaTakingOverAnAccountStartsFromTheBudgetItsPredecessorSpent() {
        connect();
        // Under the bulk threshold: one profile-import per contact, paced at 8 a minute per account.
        for (int w = 0; w < 3; w++) {
            publishWindow("w" + w, people("w" + w + "x", 4));
        }
        awaitInbox(6);
        SecondGateway a = replica("pod-a", 0).renewing();
        SecondGateway b = replica("pod-b", 0).renewing();

        // The account alternates between replicas, a window each: 12 imports, at most 8 in any minute.
        assertThat(a.turn(accountId)).isTrue();
        assertThat(b.turn(accountId)).isTrue();
        assertThat(a.turn(accountId)).isTrue();

        awaitWindows(3);
        List<Call> imports = emulator().calls().forKey(apiKey).stream()
                .filter(c -> "create_or_update_profile".equals(c.operationId())).toList();
        assertThat(imports).hasSize(12).allSatisfy(c -> assertThat(c.status()).isLessThan(300));
        Map<Long, Integer> perMinute = new TreeMap<>();
        imports.forEach(c -> perMinute.merge(c.at().minusMillis(c.durationMillis()).getEpochSecond() / 60, 1, Integer::sum));
        assertThat(perMinute.values()).as("profile writes per minute (%s)", perMinute).allSatisfy(n -> assertThat(n)
                .isLessThanOrEqualTo(PROFILES_PER_MINUTE));
        assertThat(a.calls()).isPositive();
        assertThat(b.calls()).isPositive();
    }

    @Test
    void aLongWindowMakesProgressAcrossARestartInsteadOfStartingOver() {
        connect();
        emulator().faults().failRate("*", 429, 0.3);
        List<List<ContactState>> batches = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            batches.add(people("b" + b + "x", 10));
        }
        publishWindow("w1", batches.toArray(List[]::new));
        awaitInbox(7);
        SecondGateway a = replica("pod-a", 0).renewing().turning(accountId);

        // Two chunks recorded, then pod-a dies mid-window (its lease stays until it expires).
        await().atMost(WAIT).until(() -> !query("SELECT added FROM klaviyo_gateway.sync_run WHERE account_id = ?", accountId).isEmpty()
                && Integer.parseInt(query("SELECT added FROM klaviyo_gateway.sync_run WHERE account_id = ?", accountId).get(0)) >= 20);
        a.kill();
        Set<String> recorded = new HashSet<>(query("SELECT email FROM klaviyo_gateway.contact_ledger WHERE account_id = ?", accountId));
        Instant killedAt = Instant.now();
        replica("pod-b", 4).renewing().scheduling();

        awaitWindows(1);
        await().atMost(WAIT).until(() -> connection().getInt("parkedBatches") == 0);
        emulator().faults().clear();
        assertThat(recorded).hasSizeGreaterThanOrEqualTo(20);
        List<Call> afterRestart = emulator().calls().forKey(apiKey).stream()
                .filter(c -> "bulk_import_profiles".equals(c.operationId()) && c.at().isAfter(killedAt)).toList();
        assertThat(afterRestart).as("the rest of the window was applied after the restart").isNotEmpty();
        assertThat(afterRestart).as("nothing recorded before the restart is sent again")
                .allSatisfy(c -> assertThat(recorded).noneMatch(e -> c.requestBody().contains(e)));
        assertThat(members()).hasSize(60);
        assertThat(syncRuns().getInt("[0].added")).isEqualTo(60);
        assertThat(emulator().calls().forKey(apiKey).stream().filter(c -> c.status() == 429)).isNotEmpty();
    }

    @Test
    void theWaitingBacklogIsCountedInSqlAndDrainedAChunkAtATime() {
        List<List<ContactState>> batches = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            batches.add(people("d" + b + "x", 5));
        }
        publishWindow("w1", batches.toArray(List[]::new));
        await().atMost(WAIT).untilAsserted(() -> {
            var status = connection();
            assertThat(status.getInt("parkedBatches")).isEqualTo(7);
            assertThat(status.getInt("waitingContacts")).isEqualTo(30);
        });
        emulator().faults().latency(Duration.ofMillis(200));
        connect();
        replica("pod-a", 1).renewing().scheduling();

        List<Integer> seen = new ArrayList<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            int n = connection().getInt("parkedBatches");
            seen.add(n);
            return n == 0;
        });
        assertThat(seen).as("waiting batches seen while draining, a chunk of 10 contacts at a time")
                .anyMatch(n -> n > 0 && n < 7);
        assertThat(members()).hasSize(30);
        assertThat(syncRuns().getInt("[0].batches")).isEqualTo(7);
    }

    @Test
    void aOneContactAccountIsAppliedWhileAHugeWindowOfAnotherIsInProgress() {
        connect();
        String small = "acct-" + UUID.randomUUID().toString().substring(0, 8);
        String smallKey = "pk_test_" + UUID.randomUUID().toString().replace("-", "");
        emulator().account(smallKey);
        given().auth().oauth2(Tokens.forAccounts(small)).contentType(ContentType.JSON).body(Map.of("privateApiKey", smallKey))
                .when().put("/api/accounts/{a}/klaviyo", small).then().statusCode(200);
        emulator().faults().slowBulkJobs(Duration.ofSeconds(2));
        List<List<ContactState>> batches = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            batches.add(people("big" + b + "x", 10));
        }
        publishWindow("big", batches.toArray(List[]::new));
        awaitInbox(6);
        // One slot on the only replica that applies: the big account's 5 chunks and the small account take turns.
        replica("pod-a", 1).renewing().scheduling();
        await().atMost(WAIT).until(() -> emulator().calls().forKey(apiKey).stream().anyMatch(c -> "bulk_import_profiles".equals(c.operationId())));
        publish(batch(small, "s", 0, 0, List.of(added("one@" + small + ".io", 1, "A"))));
        publish(marker(small, "s", 0, 1, 1));

        await().atMost(WAIT).until(() -> emulator().account(smallKey).profiles().size() == 1 && members().size() == 50);
        Instant smallCall = emulator().calls().forKey(smallKey).stream().filter(c -> "create_or_update_profile".equals(c.operationId()))
                .findFirst().orElseThrow().at();
        Instant bigLast = emulator().calls().forKey(apiKey).stream().filter(c -> "bulk_import_profiles".equals(c.operationId()))
                .map(Call::at).max(Instant::compareTo).orElseThrow();
        assertThat(smallCall).as("the small account's write, before the big window's last bulk job").isBefore(bigLast);
    }

    /**
     * The apply scheduler's claim ({@code claimDue}: one statement, FOR UPDATE SKIP LOCKED): due accounts least recently
     * served first; two replicas claiming at the same moment take different accounts; an account whose lease row another
     * transaction holds (a replica taking or giving back that lease, a poll waking it) is skipped at once instead of
     * waited for; the accounts a replica is turning on are left out. The application claims nothing here (concurrency 0),
     * and every other due account in the database is excluded, so only this test's accounts are in play.
     */
    @Test
    void replicasClaimingAtOnceTakeDifferentAccountsAndSkipOneBeingTakenInsteadOfWaiting() throws Exception {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String a = accountId + "-c" + i;
            mine.add(a);
            // c2 never served, then c3 served longest ago ... c7 most recently.
            execute("INSERT INTO klaviyo_gateway.account_lease (account_id, turn_ended_at) VALUES (?, now() - make_interval(mins => ?))",
                    a, 8 - i);
        }
        execute("UPDATE klaviyo_gateway.account_lease SET turn_ended_at = NULL WHERE account_id = ?", mine.get(2));
        String locked = mine.get(0);
        List<String> exclude = new ArrayList<>(query("SELECT account_id FROM klaviyo_gateway.account_lease WHERE NOT (account_id = ANY(?))",
                (Object) mine.toArray(String[]::new)));
        exclude.add(mine.get(1)); // in a turn on the claiming replica
        Duration ttl = Duration.ofSeconds(30);
        try (java.sql.Connection other = java.sql.DriverManager.getConnection(com.nosto.klaviyo.testsupport.PostgresTestResource.jdbcUrl(),
                com.nosto.klaviyo.testsupport.PostgresTestResource.server().user(),
                com.nosto.klaviyo.testsupport.PostgresTestResource.server().password())) {
            // Another transaction holds c0's row for the whole test, as a replica taking that lease would for a moment.
            other.setAutoCommit(false);
            try (java.sql.PreparedStatement lock = other.prepareStatement(
                    "SELECT account_id FROM klaviyo_gateway.account_lease WHERE account_id = ? FOR UPDATE")) {
                lock.setString(1, locked);
                lock.executeQuery().close();
            }

            List<AccountLeaseRepository.Granted> first = shared.leaseRows.claimDue("pod-s", 2, exclude, ttl)
                    .await().atMost(Duration.ofSeconds(10));
            assertThat(first).extracting(AccountLeaseRepository.Granted::accountId).as("never served, then served longest ago")
                    .containsExactly(mine.get(2), mine.get(3));

            var both = io.smallrye.mutiny.Uni.combine().all().unis(shared.leaseRows.claimDue("pod-a", 2, exclude, ttl),
                    shared.leaseRows.claimDue("pod-b", 2, exclude, ttl)).asTuple().await().atMost(Duration.ofSeconds(10));
            List<String> a = both.getItem1().stream().map(AccountLeaseRepository.Granted::accountId).toList();
            List<String> b = both.getItem2().stream().map(AccountLeaseRepository.Granted::accountId).toList();
            assertThat(a).as("pod-a's claim").hasSize(2).doesNotContainAnyElementsOf(b);
            assertThat(b).as("pod-b's claim").hasSize(2);
            assertThat(new java.util.TreeSet<>(concat(a, b))).as("together, the rest of the due accounts")
                    .containsExactlyElementsOf(mine.subList(4, 8));
            assertThat(shared.leaseRows.claimDue("pod-c", 10, exclude, ttl).await().atMost(Duration.ofSeconds(10)))
                    .as("nothing left: every free account is held, c0 is locked, c1 is excluded").isEmpty();

            // Each lease its own holder token, the one written in its row.
            List<AccountLeaseRepository.Granted> granted = new ArrayList<>(first);
            granted.addAll(both.getItem1());
            granted.addAll(both.getItem2());
            assertThat(granted).extracting(AccountLeaseRepository.Granted::holder).doesNotHaveDuplicates()
                    .allMatch(h -> h.matches("pod-[sab]/[0-9a-f-]{36}"));
            for (AccountLeaseRepository.Granted g : granted) {
                assertThat(query("SELECT holder FROM klaviyo_gateway.account_lease WHERE account_id = ?", g.accountId()))
                        .containsExactly(g.holder());
            }
            assertThat(query("SELECT holder FROM klaviyo_gateway.account_lease WHERE account_id = ?", locked)).as("c0 untouched")
                    .containsExactly((String) null);
            other.rollback();
        } finally {
            execute("DELETE FROM klaviyo_gateway.account_lease WHERE account_id = ANY(?)", (Object) mine.toArray(String[]::new));
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
