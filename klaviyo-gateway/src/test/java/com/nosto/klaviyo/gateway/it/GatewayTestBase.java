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
 * Shared steps of the gateway's integration tests: a fresh account and Klaviyo key per test, batches
 * published to the real broker, state read back from the emulator. After every test the emulator's
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

    protected String listId() {
        return connection().getString("listId");
    }

    protected long writeCalls() {
        return emulator().calls().forKey(apiKey).stream().filter(c -> c.isWrite()).count();
    }

    // ---- Batches -----------------------------------------------------------------------------------

    protected SyncBatch batch(String windowId, int sequence, List<ContactState> contacts) {
        return new SyncBatch(SyncBatch.SCHEMA_VERSION, accountId + "/" + windowId + "/0/" + sequence, accountId, windowId,
                WindowKind.REGULAR, sequence, Instant.now(), Instant.now(), contacts);
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
        try {
            publishRaw(batch.accountId(), EventJson.mapper().writeValueAsString(batch));
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

    protected Map<String, Object> propertiesOf(String email) {
        return klaviyo().profileByEmail(email).orElseThrow(() -> new AssertionError("no profile " + email)).properties();
    }

    protected List<String> members() {
        return klaviyo().listMemberEmails(listId());
    }
}
