package com.nosto.klaviyo.gateway.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.emulator.Call;
import com.nosto.klaviyo.emulator.Profile;
import com.nosto.klaviyo.events.ContactState;
import com.nosto.klaviyo.gateway.service.AuditScheduler;
import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An audit interrupted mid-read keeps the pages it read ({@code audit_read}) and goes on from the next page, at the next
 * tick of the scheduler (no schedule configured here: resuming does not need one; two replicas' ticks at once resume it
 * once), instead of reading the list again from
 * its first page; a window applied since the read began makes the next audit start over, the saved members being older
 * than the model they would be compared with.
 */
@QuarkusTest
class AuditResumeTest extends GatewayTestBase {

    /** 250 members: three pages of 100. */
    private static final int MEMBERS = 250;
    private static final String LIST_MEMBERS = "get_profiles_for_list";

    @Inject
    AuditScheduler scheduler;

    private void synced() {
        connect();
        List<ContactState> contacts = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            contacts.add(added(email("m" + i), 1, "A"));
        }
        publishWindow("w1", contacts);
        awaitWindows(1);
    }

    private int auditStatus() {
        return given().auth().oauth2(Tokens.sre()).queryParam("repair", false)
                .when().post("/api/accounts/{a}/audit", accountId).then().extract().statusCode();
    }

    private List<Call> pageReads() {
        return emulator().calls().forKey(apiKey).stream().filter(c -> LIST_MEMBERS.equals(c.operationId()) && c.status() == 200)
                .toList();
    }

    private static boolean firstPage(Call c) {
        return c.query() == null || !c.query().contains("cursor");
    }

    private List<String> savedRead() {
        return query("SELECT pages || '/' || (SELECT count(*) FROM klaviyo_gateway.audit_read_member m WHERE m.account_id = r.account_id)"
                + " FROM klaviyo_gateway.audit_read r WHERE account_id = ?", accountId);
    }

    private static java.util.Map<String, Integer> nonZero(java.util.Map<String, Integer> drift) {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>(drift);
        out.values().removeIf(v -> v == 0);
        return out;
    }

    @Test
    void anAuditInterruptedOnItsSecondPageGoesOnFromThereAtTheNextTick() {
        synced();
        String list = listId();
        emulator().faults().failAfter(LIST_MEMBERS, 400, 1, 1);

        assertThat(auditStatus()).as("the second page refused: Klaviyo's error").isEqualTo(502);
        assertThat(savedRead()).as("pages read / members saved").containsExactly("1/100");

        // Taken off by hand while the audit waits: on a page not read yet, so the resumed audit must see it.
        String last = email("m" + (MEMBERS - 1));
        klaviyo().removeMembers(list, List.of(klaviyo().profileByEmail(last).map(Profile::id).orElseThrow()));
        long firstPagesBefore = pageReads().stream().filter(AuditResumeTest::firstPage).count();
        long writes = writeCalls();

        // Two replicas' ticks at once: the account's lease, and the saved read looked for again under it, let one resume.
        Uni.combine().all().unis(scheduler.tick(), scheduler.tick()).discardItems().await().atMost(Duration.ofSeconds(90));

        JsonPath runs = syncRuns();
        assertThat(runs.getList("windowKind", String.class)).containsExactly("AUDIT", "REGULAR");
        assertThat(nonZero(runs.getMap("[0].drift", String.class, Integer.class))).isEqualTo(java.util.Map.of("MISSING", 1));
        assertThat(pageReads().stream().filter(AuditResumeTest::firstPage).count()).as("the first page is not read again")
                .isEqualTo(firstPagesBefore);
        assertThat(savedRead()).as("the saved read goes when the audit is recorded").isEmpty();
        assertThat(writeCalls()).as("the interrupted audit was a dry run, and so is its resumption").isEqualTo(writes);

        scheduler.tick().await().atMost(Duration.ofSeconds(90));
        assertThat(syncRuns().getList("windowKind", String.class)).as("nothing left to resume").hasSize(2);
    }

    @Test
    void aWindowAppliedSinceTheReadBeganMakesTheNextAuditReadFromTheFirstPage() {
        synced();
        emulator().faults().failAfter(LIST_MEMBERS, 400, 1, 1);
        assertThat(auditStatus()).isEqualTo(502);
        assertThat(savedRead()).containsExactly("1/100");

        // The ledger moves: the members saved were read against an older model.
        publishWindow("w2", List.of(added(email("late"), 1, "B")));
        awaitWindows(2);
        long firstPagesBefore = pageReads().stream().filter(AuditResumeTest::firstPage).count();

        JsonPath report = given().auth().oauth2(Tokens.sre()).queryParam("repair", false)
                .when().post("/api/accounts/{a}/audit", accountId).then().statusCode(200).extract().jsonPath();

        assertThat(report.getInt("pagesRead")).isEqualTo(3);
        assertThat(report.getInt("pagesResumed")).isZero();
        assertThat(pageReads().stream().filter(AuditResumeTest::firstPage).count()).as("read again from the first page")
                .isEqualTo(firstPagesBefore + 1);
        JsonPath runs = syncRuns();
        assertThat(runs.getList("windowKind", String.class)).first().isEqualTo("AUDIT");
        assertThat(nonZero(runs.getMap("[0].drift", String.class, Integer.class))).as("no drift").isEmpty();
        assertThat(savedRead()).isEmpty();
    }
}
