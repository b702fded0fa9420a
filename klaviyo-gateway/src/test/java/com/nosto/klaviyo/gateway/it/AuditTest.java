package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.notNullValue;

import com.nosto.klaviyo.emulator.Profile;
import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * G14: for each drift class, synced contacts are edited in Klaviyo by hand (the emulator's account edits), then the dry-run
 * audit reports exactly that drift and makes no write call, the repair converges Klaviyo to what the gateway applied with
 * at most 1.1 × the minimum write calls for the drift, and a second audit finds nothing and writes nothing.
 */
@QuarkusTest
class AuditTest extends GatewayTestBase {

    private static final List<String> CLASSES = List.of("MISSING", "FOREIGN", "PROPERTIES", "PROFILE_GONE", "LIST_MISSING",
            "LIST_RENAMED", "LIST_DUPLICATE");

    private int windows;

    /** Connects and applies one window of a, b, c (segments A / A,B / C), through the small path (profile ids stored). */
    private String synced() {
        String list = connect();
        apply(added(email("a"), 1, "A"), added(email("b"), 1, "A", "B"), added(email("c"), 1, "C"));
        return list;
    }

    private void apply(com.nosto.klaviyo.events.ContactState... contacts) {
        windows++;
        publishWindow("w" + windows, List.of(contacts));
        awaitWindows(windows);
    }

    private JsonPath audit(boolean repair) {
        return given().auth().oauth2(Tokens.sre()).queryParam("repair", repair)
                .when().post("/api/accounts/{a}/audit", accountId)
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    private String id(String name) {
        return klaviyo().profileByEmail(email(name)).map(Profile::id).orElseThrow();
    }

    /** The drift counts, every class; only {@code expected} non-zero. */
    private static Map<String, Integer> drift(Map<String, Integer> expected) {
        Map<String, Integer> all = new LinkedHashMap<>();
        CLASSES.forEach(c -> all.put(c, expected.getOrDefault(c, 0)));
        return all;
    }

    /**
     * Dry run reports exactly {@code expected} and writes nothing; the repair makes at most 1.1 × {@code minimum} writes;
     * a second audit finds no drift and writes nothing.
     */
    private JsonPath dryRunThenRepair(Map<String, Integer> expected, Map<String, Integer> plannedWrites, int minimum) {
        long before = writeCalls();
        JsonPath dry = audit(false);
        assertThat(dry.getMap("drift", String.class, Integer.class)).isEqualTo(drift(expected));
        assertThat(dry.getMap("writes", String.class, Integer.class)).isEqualTo(plannedWrites);
        assertThat(dry.getInt("minimumWrites")).isEqualTo(minimum);
        assertThat(dry.getInt("klaviyoWrites")).isZero();
        assertThat(writeCalls()).as("write calls of the dry run").isEqualTo(before);

        JsonPath repair = audit(true);
        long repairWrites = writeCalls() - before;
        System.out.printf("%nRepair of %s: %d write call(s), minimum %d%n", expected, repairWrites, minimum);
        assertThat(repairWrites).isLessThanOrEqualTo((long) Math.floor(1.1 * minimum)).isEqualTo(repair.getInt("klaviyoWrites"));

        long afterRepair = writeCalls();
        JsonPath again = audit(false);
        assertThat(again.getMap("drift", String.class, Integer.class)).isEqualTo(drift(Map.of()));
        assertThat(audit(true).getInt("klaviyoWrites")).isZero();
        assertThat(writeCalls()).as("write calls of the audits after the repair").isEqualTo(afterRepair);
        return dry;
    }

    @Test
    void aMemberRemovedByHandIsMissingAndPutBackWithItsProperties() {
        String list = synced();
        klaviyo().removeMembers(list, List.of(id("b")));

        JsonPath dry = dryRunThenRepair(Map.of("MISSING", 1), Map.of("bulk_import_profiles", 1), 1);

        assertThat(dry.getList("samples.MISSING", String.class)).containsExactly(email("b"));
        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b"), email("c"));
        assertThat(propertiesOf(email("b"))).containsEntry("nosto_segment", "B").containsEntry("nosto_segments", List.of("A", "B"));
    }

    @Test
    void aProfileAddedByHandIsForeignAndRemovedWithoutTouchingItsProperties() {
        String list = synced();
        Profile merchant = klaviyo().seedProfile(email("merchant"), Map.of("loyalty", "gold"));
        klaviyo().addMembers(list, List.of(merchant.id()));

        JsonPath dry = dryRunThenRepair(Map.of("FOREIGN", 1), Map.of("remove_profiles_from_list", 1), 1);

        assertThat(dry.getList("samples.FOREIGN", String.class)).containsExactly(email("merchant"));
        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b"), email("c"));
        assertThat(propertiesOf(email("merchant"))).containsExactly(Map.entry("loyalty", "gold"));
    }

    @Test
    void propertiesEditedByHandAreWrittenBackInOneJob() {
        synced();
        klaviyo().editProperties(id("a"), Map.of("nosto_segment", "Hand-made"), List.of());
        klaviyo().editProperties(id("b"), Map.of(), List.of("nosto_segments"));
        klaviyo().editProperties(id("c"), Map.of("nosto_segments", "C"), List.of());

        dryRunThenRepair(Map.of("PROPERTIES", 3), Map.of("bulk_import_profiles", 1), 1);

        assertThat(propertiesOf(email("a"))).containsEntry("nosto_segment", "A").containsEntry("nosto_segments", List.of("A"));
        assertThat(propertiesOf(email("b"))).containsEntry("nosto_segments", List.of("A", "B"));
        assertThat(propertiesOf(email("c"))).containsEntry("nosto_segments", List.of("C"));
    }

    @Test
    void aDeletedProfileIsGoneAndNeverRecreatedAndTheLedgerRecordsItOutOfTheList() {
        synced();
        klaviyo().deleteProfile(id("a"));

        dryRunThenRepair(Map.of("PROFILE_GONE", 1), Map.of(), 0);

        assertThat(klaviyo().profileByEmail(email("a"))).isEmpty();
        assertThat(query("SELECT in_list::text FROM klaviyo_gateway.contact_ledger WHERE account_id = ? AND email = ?", accountId,
                email("a"))).containsExactly("false");
    }

    @Test
    void aProfileMergedIntoTheMerchantsIsGoneAndTheSurvivorForeign() {
        synced();
        Profile merchant = klaviyo().seedProfile(email("merchant"), Map.of("loyalty", "gold"));
        klaviyo().mergeProfiles(id("c"), merchant.id());

        // The survivor took c's list membership and (lacking them) its Nosto properties: removed and both unset (G3).
        dryRunThenRepair(Map.of("PROFILE_GONE", 1, "FOREIGN", 1), Map.of("remove_profiles_from_list", 1, "bulk_import_profiles", 1), 2);

        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b"));
        assertThat(propertiesOf(email("merchant"))).containsExactly(Map.entry("loyalty", "gold"));
    }

    @Test
    void aRenamedListIsRenamedBack() {
        String list = synced();
        klaviyo().renameList(list, "Our shoppers");

        dryRunThenRepair(Map.of("LIST_RENAMED", 1), Map.of("update_list", 1), 1);

        assertThat(klaviyo().list(list).orElseThrow().name()).isEqualTo("Nosto Customers");
        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b"), email("c"));
    }

    @Test
    void aSecondListWithTheNameIsReportedAndNeverDeleted() {
        String list = synced();
        String second = klaviyo().seedList("Nosto Customers").id();
        long before = writeCalls();

        JsonPath dry = audit(false);
        JsonPath repair = audit(true);

        assertThat(dry.getMap("drift", String.class, Integer.class)).isEqualTo(drift(Map.of("LIST_DUPLICATE", 1)));
        assertThat(repair.getMap("drift", String.class, Integer.class)).isEqualTo(drift(Map.of("LIST_DUPLICATE", 1)));
        assertThat(writeCalls()).isEqualTo(before);
        assertThat(klaviyo().list(second)).isPresent();
        assertThat(listId()).isEqualTo(list);
    }

    @Test
    void aDeletedListIsRecreatedWithEveryCurrentMember() {
        String list = synced();
        klaviyo().deleteList(list);

        JsonPath dry = dryRunThenRepair(Map.of("LIST_MISSING", 1, "MISSING", 3), Map.of("create_list", 1, "bulk_import_profiles", 1), 2);

        assertThat(dry.getString("listId")).isNull();
        assertThat(listId()).isNotEqualTo(list);
        assertThat(klaviyo().listsByName("Nosto Customers")).hasSize(1);
        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b"), email("c"));
        assertThat(propertiesOf(email("b"))).containsEntry("nosto_segments", List.of("A", "B"));
    }

    /**
     * Issue 19's failure: the list deleted, the next window re-created it with only that window's contacts; the members of
     * earlier windows are MISSING from it, and the repair puts them back.
     */
    @Test
    void membersOfEarlierWindowsMissingFromAListTheNextWindowRecreatedArePutBack() {
        String list = synced();
        klaviyo().deleteList(list);
        apply(added(email("d"), 1, "D"));
        assertThat(members()).containsExactly(email("d"));

        JsonPath dry = dryRunThenRepair(Map.of("MISSING", 3), Map.of("bulk_import_profiles", 1), 1);

        assertThat(dry.getList("samples.MISSING", String.class)).containsExactly(email("a"), email("b"), email("c"));
        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("b"), email("c"), email("d"));
    }

    @Test
    void manyMembersArePagedAndTheirDriftRepairedInTheFewestCalls() {
        String list = connect();
        List<com.nosto.klaviyo.events.ContactState> many = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            many.add(added(email("m" + i), 1, "Bulk"));
        }
        apply(many.toArray(com.nosto.klaviyo.events.ContactState[]::new));
        List<String> ids = klaviyo().listMemberIds(list);
        klaviyo().removeMembers(list, ids.subList(0, 120));
        for (String id : ids.subList(200, 210)) {
            klaviyo().editProperties(id, Map.of("nosto_segments", List.of("Other")), List.of());
        }

        dryRunThenRepair(Map.of("MISSING", 120, "PROPERTIES", 10), Map.of("bulk_import_profiles", 1), 1);

        assertThat(members()).hasSize(250);
    }

    @Test
    void anAccountWithoutAConnectionIs409AndAMerchantTokenIs403() {
        given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/audit", accountId)
                .then().statusCode(409).contentType("application/problem+json");
        given().auth().oauth2(token()).when().post("/api/accounts/{a}/audit", accountId)
                .then().statusCode(403).contentType("application/problem+json");
        connect();
        given().auth().oauth2(Tokens.sre()).queryParam("repair", "maybe").when().post("/api/accounts/{a}/audit", accountId)
                .then().statusCode(400).contentType("application/problem+json");
    }

    /** The admin page's "Check Klaviyo": the merchant's own dry run, which writes nothing, a few an hour (3 in tests). */
    @Test
    void aMerchantChecksTheirListWithADryRunThatWritesNothingAFewTimesAnHour() {
        String list = synced();
        klaviyo().removeMembers(list, List.of(id("b")));
        long writesBefore = writeCalls();

        JsonPath check = given().auth().oauth2(token()).when().post("/api/accounts/{a}/audit/check", accountId)
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();

        assertThat(check.getInt("drift.MISSING")).isEqualTo(1);
        assertThat(writeCalls()).as("write calls of a merchant's check").isEqualTo(writesBefore);
        assertThat(members()).containsExactlyInAnyOrder(email("a"), email("c"));
        assertThat(syncRuns().getList("windowKind", String.class)).startsWith("AUDIT");
        given().auth().oauth2(token()).queryParam("repair", "true").when().post("/api/accounts/{a}/audit", accountId)
                .then().statusCode(403);
        given().auth().oauth2(Tokens.forAccounts("someone-else")).when().post("/api/accounts/{a}/audit/check", accountId)
                .then().statusCode(403);
        for (int i = 1; i < 3; i++) {
            given().auth().oauth2(token()).when().post("/api/accounts/{a}/audit/check", accountId).then().statusCode(200);
        }
        given().auth().oauth2(token()).when().post("/api/accounts/{a}/audit/check", accountId)
                .then().statusCode(429).contentType("application/problem+json").header("Retry-After", notNullValue());
    }

    @Test
    void klaviyoDownIs503WithRetryAfterAndNothingRecorded() {
        synced();
        emulator().faults().failRate("get_profiles_for_list", 503, 1.0);

        given().auth().oauth2(Tokens.sre()).when().post("/api/accounts/{a}/audit", accountId)
                .then().statusCode(503).contentType("application/problem+json").header("Retry-After", "30");

        emulator().faults().clear();
        assertThat(syncRuns().getList("windowKind", String.class)).doesNotContain("AUDIT");
    }

    @Test
    void auditsAndRepairsAreInTheSyncHistoryBesideTheWindows() {
        String list = synced();
        klaviyo().removeMembers(list, List.of(id("a")));

        audit(false);
        audit(true);

        JsonPath runs = syncRuns();
        assertThat(runs.getList("windowKind", String.class)).containsExactly("REPAIR", "AUDIT", "REGULAR");
        assertThat(runs.getInt("[0].added")).isEqualTo(1);
        assertThat(runs.getInt("[0].klaviyoWrites")).isEqualTo(1);
        assertThat(runs.getInt("[1].drift.MISSING")).isEqualTo(1);
        assertThat(runs.getInt("[1].klaviyoWrites")).isZero();
        assertThat(runs.getString("[2].drift")).isNull();
    }
}
