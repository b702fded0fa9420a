package com.nosto.klaviyo.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.gateway.client.KlaviyoOperation;
import com.nosto.klaviyo.gateway.client.SentRequest;
import com.nosto.klaviyo.gateway.client.SentRequestLog;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every request the gateway sent in this test JVM (this scenario plus whichever test classes ran before it)
 * validates against the official spec. The scenario alone exercises every operation the sync uses.
 */
@QuarkusTest
class KlaviyoContractTest extends GatewayTestBase {

    @Inject
    SentRequestLog sent;

    private int windows;

    /** Publishes a window and waits until it is applied. */
    private void apply(String windowId, List<ContactState> contacts) {
        publishWindow(windowId, contacts);
        awaitWindows(++windows);
    }

    @Test
    void everyRequestSentValidatesAgainstTheOfficialSpec() {
        String list = connect();
        klaviyo().deleteList(list);
        String failing = email("failing");
        emulator().faults().failInBulkJob(failing);
        // Small path (profile-import + list add), after the list is re-created (get_list → get_lists → create_list).
        apply("w1", List.of(added(email("a+1"), 1, "A"), added(email("b"), 1, "A", "B")));
        // Bulk path with an import error.
        List<ContactState> many = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            many.add(added(email("bulk" + i), 1, "Bulk"));
        }
        many.add(added(failing, 1, "Bulk"));
        apply("w2", many);
        // The audit's reads (the list's members, more than one page) and a repair's rename.
        klaviyo().renameList(listId(), "Renamed by hand");
        io.restassured.RestAssured.given().auth().oauth2(com.nosto.klaviyo.testsupport.Tokens.sre()).queryParam("repair", true)
                .when().post("/api/accounts/{a}/audit", accountId).then().statusCode(200);
        windows++; // the repair is an entry in the sync history too
        // Leaving: few (lookup + remove + PATCH unset) and many (lookup + remove + bulk unset).
        apply("w3", List.of(removed(email("a+1"), 2), deleted(email("b"), 2)));
        List<ContactState> leaving = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            leaving.add(removed(email("bulk" + i), 2));
        }
        apply("w4", leaving);

        List<SentRequest> requests = sent.all();
        Set<KlaviyoOperation> used = requests.stream().map(SentRequest::operation)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(KlaviyoOperation.class)));
        assertThat(used).containsAll(EnumSet.complementOf(EnumSet.of(KlaviyoOperation.REQUEST_PROFILE_DELETION)));

        SpecContract spec = SpecContract.load();
        Map<String, List<String>> violations = requests.stream()
                .collect(Collectors.groupingBy(r -> r.operation().operationId(), Collectors.flatMapping(
                        r -> spec.violations(r).stream(), Collectors.toList())));
        violations.values().removeIf(List::isEmpty);
        System.out.printf("%nContract: %d requests over %d operations validated against stable.json%n", requests.size(), used.size());
        assertThat(violations).isEmpty();

        // The check itself can fail: an undeclared parameter, a missing revision and a wrong body type are caught.
        SentRequest bogus = new SentRequest(KlaviyoOperation.ADD_PROFILES_TO_LIST, "POST", "/api/lists/L1/relationships/profiles",
                Map.of("bogus", "1"), Map.of("Content-Type", "application/vnd.api+json"),
                new io.vertx.core.json.JsonObject("{\"data\":[{\"type\":\"list\",\"id\":\"x\"}]}"), 204);
        assertThat(spec.violations(bogus)).anyMatch(v -> v.contains("bogus")).anyMatch(v -> v.contains("revision"))
                .anyMatch(v -> v.contains("type"));
    }
}
