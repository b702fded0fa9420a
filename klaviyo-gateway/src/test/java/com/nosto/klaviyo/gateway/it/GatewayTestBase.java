package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.emulator.EmulatedAccount;
import com.nosto.klaviyo.emulator.KlaviyoEmulator;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.events.EventJson;
import com.nosto.klaviyo.events.SyncBatch;
import com.nosto.klaviyo.events.Topics;
import com.nosto.klaviyo.events.WindowKind;
import com.nosto.klaviyo.testsupport.KafkaTestResource;
import com.nosto.klaviyo.testsupport.KlaviyoEmulatorTestResource;
import com.nosto.klaviyo.testsupport.PostgresTestResource;
import com.nosto.klaviyo.testsupport.Tokens;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;

/**
 * Shared steps of the gateway's integration tests: a fresh account and Klaviyo key per test, windows published to the
 * real broker with the end-marker protocol sync-worker speaks, state read back from the emulator. After every test the emulator's
 * consent log must be empty for every account (G4), and injected faults are cleared.
 */
public abstract class GatewayTestBase {

    private static KafkaProducer<String, String> producer;

    protected final String accountId = "acct-" + UUID.randomUUID().toString().substring(0, 8);
    protected final String apiKey = "pk_test_" + UUID.randomUUID().toString().replace("-", "");

    protected static KlaviyoEmulator emulator() {
        return KlaviyoEmulatorTestResource.emulator();
    }

    protected EmulatedAccount klaviyo() {
        return emulator().account(apiKey);
    }

    protected String email(String name) {
        return name + "." + accountId + "@example.com";
    }

    @AfterEach
    void consentNeverTouchedAndFaultsCleared() {
        emulator().faults().clear();
        for (EmulatedAccount a : emulator().accounts()) {
            assertThat(a.consentLog()).as("consent log of %s", a.apiKey()).isEmpty();
        }
    }

    protected String token() {
        return Tokens.forAccounts(accountId);
    }

    /** Connects the test's account with its key; returns the list id. */
    protected String connect() {
        klaviyo();
        return given().auth().oauth2(token()).contentType(ContentType.JSON)
                .body(Map.of("privateApiKey", apiKey))
                .when().put("/api/accounts/{a}/klaviyo", accountId)
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().path("listId");
    }

    protected JsonPath connection() {
        return given().auth().oauth2(token()).when().get("/api/accounts/{a}/klaviyo", accountId)
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    protected JsonPath syncRuns() {
        return given().auth().oauth2(token()).when().get("/api/accounts/{a}/sync-runs", accountId)
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    /** Sum of a count over all windows of the account. */
    protected int total(String field) {
        List<Integer> values = syncRuns().getList(field, Integer.class);
        return values.stream().mapToInt(Integer::intValue).sum();
    }

    protected int appliedBatches() {
        return total("batches");
    }

    /** Windows in the sync history. */
    protected int windows() {
        return syncRuns().getList("windowId").size();
    }

    protected void awaitWindows(int n) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90))
                .untilAsserted(() -> assertThat(windows()).isEqualTo(n));
    }

    protected String listId() {
        return connection().getString("listId");
    }

    protected long writeCalls() {
        return emulator().calls().forKey(apiKey).stream().filter(c -> c.isWrite()).count();
    }

    // ---- Batches -----------------------------------------------------------------------------------

    /** A batch of contacts of source partition 0 of a window (as sync-worker releases them). */
    protected SyncBatch batch(String windowId, int sequence, List<ContactState> contacts) {
        return batch(accountId, windowId, 0, sequence, contacts);
    }

    protected static SyncBatch batch(String account, String windowId, int partition, int sequence, List<ContactState> contacts) {
        return SyncBatch.contacts(account + "/" + windowId + "/" + partition + "/" + sequence, account, windowId, WindowKind.REGULAR,
                sequence, Instant.now(), Instant.now(), contacts, partition);
    }

    /** The end marker of source partition 0 of a window of one partition. */
    protected SyncBatch marker(String windowId, int sequence) {
        return marker(accountId, windowId, 0, sequence, 1);
    }

    protected static SyncBatch marker(String account, String windowId, int partition, int sequence, int partitions) {
        return SyncBatch.endMarker(account + "/" + windowId + "/" + partition + "/" + sequence, account, windowId, WindowKind.REGULAR,
                sequence, Instant.now(), Instant.now(), partition, partitions);
    }

    /** A whole window of one source partition, as sync-worker releases it: its batches of contacts, then its end marker. */
    @SafeVarargs
    protected final List<SyncBatch> window(String windowId, List<ContactState>... batches) {
        List<SyncBatch> out = new java.util.ArrayList<>();
        for (int i = 0; i < batches.length; i++) {
            out.add(batch(windowId, i, batches[i]));
        }
        out.add(marker(windowId, batches.length));
        return out;
    }

    @SafeVarargs
    protected final List<SyncBatch> publishWindow(String windowId, List<ContactState>... batches) {
        List<SyncBatch> window = window(windowId, batches);
        window.forEach(this::publish);
        return window;
    }

    protected static ContactState added(String email, long version, String... segments) {
        return new ContactState(email, true, segments[segments.length - 1], Arrays.asList(segments), version, ChangeType.ADDED);
    }

    protected static ContactState moved(String email, long version, String... segments) {
        return new ContactState(email, true, segments[segments.length - 1], Arrays.asList(segments), version, ChangeType.MOVED);
    }

    protected static ContactState removed(String email, long version) {
        return new ContactState(email, false, null, List.of(), version, ChangeType.REMOVED);
    }

    protected static ContactState deleted(String email, long version) {
        return new ContactState(email, false, null, List.of(), version, ChangeType.DELETED);
    }

    protected void publish(SyncBatch batch) {
        publishRaw(batch.accountId(), EventJson.write(batch));
    }

    /** Publishes the batch with a {@code traceparent} header, as sync-worker's relay does when tracing is on. */
    protected void publish(SyncBatch batch, String traceparent) {
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.SYNC_BATCHES, batch.accountId(), EventJson.write(batch));
        record.headers().add("traceparent", traceparent.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        try {
            producer().send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected static void publishRaw(String key, String value) {
        try {
            producer().send(new ProducerRecord<>(Topics.SYNC_BATCHES, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    /** Which of these batch ids are recorded as applied (read straight from the database). */
    protected static List<String> appliedAmong(List<String> batchIds) {
        return query("SELECT batch_id FROM klaviyo_gateway.applied_batch WHERE batch_id = ANY(?)", (Object) batchIds.toArray(new String[0]));
    }

    /** A statement against the test database (bypassing the service), e.g. to break something on purpose. */
    protected static int execute(String sql, Object... params) {
        return withStatement(sql, params, java.sql.PreparedStatement::executeUpdate);
    }

    /** A one-column query against the test database (bypassing the service). */
    protected static List<String> query(String sql, Object... params) {
        return withStatement(sql, params, ps -> {
            List<String> out = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    private interface StatementWork<T> {
        T run(java.sql.PreparedStatement ps) throws java.sql.SQLException;
    }

    /** {@code sql} prepared on a connection of its own, its parameters bound ({@code String[]} as a text array). */
    private static <T> T withStatement(String sql, Object[] params, StatementWork<T> work) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PostgresTestResource.jdbcUrl(),
                PostgresTestResource.server().user(), PostgresTestResource.server().password());
             java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                if (params[i] instanceof String[] array) {
                    ps.setArray(i + 1, c.createArrayOf("text", array));
                } else {
                    ps.setObject(i + 1, params[i]);
                }
            }
            return work.run(ps);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    protected Map<String, Object> propertiesOf(String email) {
        return klaviyo().profileByEmail(email).orElseThrow(() -> new AssertionError("no profile " + email)).properties();
    }

    protected List<String> members() {
        return klaviyo().listMemberEmails(listId());
    }
}
