package com.nosto.klaviyo.segment.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nosto.klaviyo.events.ChangeCause;
import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.MembershipChange;
import com.nosto.klaviyo.events.SegmentRef;
import com.nosto.klaviyo.segment.support.Api;
import com.nosto.klaviyo.segment.support.Changes;
import com.nosto.klaviyo.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sync switches, renames, the segment list and the operator resync, observed on the real output topic. */
@QuarkusTest
class SegmentSyncTest {

    private static final Instant T0 = Instant.parse("2026-11-29T08:00:00Z");

    private final Api api = new Api();

    private List<MembershipChange> awaitChanges(int count) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forAccount(api.account), l -> l.size() >= count);
    }

    private List<MembershipChange> awaitChanges(String email, int count) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> Changes.forContact(api.account, email), l -> l.size() >= count);
    }

    @Test
    void membershipOfAnUndefinedSegmentSyncsOnceDefinedAndSwitchedOnFirstTime() {
        api.post(api.fullSet("a@example.com", T0, "later"), api.fullSet("b@example.com", T0, "later"));
        api.defineSegment("later", "Later");
        java.time.Instant before = java.time.Instant.now().minusMillis(1);
        api.sync("later", true);
        java.time.Instant after = java.time.Instant.now().plusMillis(1);

        List<MembershipChange> changes = awaitChanges(2);
        java.time.Instant enabledAt = changes.get(0).cause().enabledAt();
        // Every change of one first enable carries the switch's time: sync-worker ends their window from it.
        assertThat(enabledAt).isBetween(before, after);
        assertThat(changes).allSatisfy(c -> {
            assertThat(c.type()).isEqualTo(ChangeType.ADDED);
            assertThat(c.cause()).isEqualTo(ChangeCause.firstEnable("later", enabledAt));
            assertThat(c.segmentsAfter()).containsExactly(new SegmentRef("later", "Later"));
        });
        assertThat(changes).extracting(MembershipChange::email).containsExactlyInAnyOrder("a@example.com", "b@example.com");
    }

    @Test
    void switchingOffEmitsTheShrinkAndReEnableIsNotAFirstEnable() {
        api.defineSegment("vip", "VIP");
        api.post(api.fullSet("c@example.com", T0, "vip"));
        api.sync("vip", true);
        assertThat(awaitChanges("c@example.com", 1).get(0).cause().firstEnable()).isTrue();

        api.sync("vip", false);
        MembershipChange removed = awaitChanges("c@example.com", 2).get(1);
        assertThat(removed.type()).isEqualTo(ChangeType.REMOVED);
        assertThat(removed.cause()).isEqualTo(ChangeCause.of(ChangeCause.Kind.SYNC_DISABLED, "vip"));

        api.sync("vip", true);
        List<MembershipChange> changes = awaitChanges("c@example.com", 3);
        MembershipChange again = changes.get(2);
        assertThat(again.type()).isEqualTo(ChangeType.ADDED);
        assertThat(again.cause()).isEqualTo(ChangeCause.of(ChangeCause.Kind.SYNC_ENABLED, "vip"));
        assertThat(changes).extracting(MembershipChange::version).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void switchingOffOneOfSeveralSyncedSegmentsIsMoved() {
        api.syncedSegment("vip", "VIP");
        api.syncedSegment("bean", "Bean");
        api.post(api.fullSet("d@example.com", T0, "vip", "bean"));
        awaitChanges("d@example.com", 1);

        api.sync("bean", false);
        MembershipChange moved = awaitChanges("d@example.com", 2).get(1);
        assertThat(moved.type()).isEqualTo(ChangeType.MOVED);
        assertThat(moved.segmentsAfter()).containsExactly(new SegmentRef("vip", "VIP"));
        assertThat(moved.nostoSegment()).isEqualTo("VIP");
    }

    @Test
    void renamingASyncedSegmentMovesEveryMemberToTheNewName() {
        api.syncedSegment("bean", "Whole_Bean");
        api.post(api.fullSet("e@example.com", T0, "bean"), api.fullSet("f@example.com", T0, "bean"));
        awaitChanges(2);

        api.defineSegment("bean", "Category affinity: Whole Bean");
        List<MembershipChange> renames = awaitChanges(4).subList(2, 4);
        assertThat(renames).allSatisfy(c -> {
            assertThat(c.type()).isEqualTo(ChangeType.MOVED);
            assertThat(c.cause()).isEqualTo(ChangeCause.of(ChangeCause.Kind.RENAME, "bean"));
            assertThat(c.nostoSegment()).isEqualTo("Category affinity: Whole Bean");
            assertThat(c.segmentsBefore()).containsExactly(new SegmentRef("bean", "Whole_Bean"));
        });
    }

    @Test
    void renamingAnUnsyncedSegmentEmitsNothing() {
        api.defineSegment("quiet", "Quiet");
        api.syncedSegment("vip", "VIP");
        api.post(api.fullSet("g@example.com", T0, "quiet"));
        api.defineSegment("quiet", "Still quiet");
        api.post(api.fullSet("g@example.com", T0.plusSeconds(1), "quiet", "vip"));
        // The first change for the contact is the synced entry: the rename emitted nothing before it.
        MembershipChange first = awaitChanges("g@example.com", 1).get(0);
        assertThat(first.cause()).isEqualTo(ChangeCause.membership());
        assertThat(first.segmentsBefore()).isEmpty();
    }

    @Test
    void listShowsNameSyncFirstEnabledAndMemberCount() {
        api.syncedSegment("vip", "VIP");
        api.defineSegment("quiet", "Quiet");
        api.post(api.fullSet("h@example.com", T0, "vip", "quiet"), api.fullSet("i@example.com", T0, "vip"));

        List<Map<String, Object>> listed = given().auth().oauth2(api.token)
                .when().get("/api/accounts/{a}/segments", api.account)
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().jsonPath().getList("$");
        assertThat(listed).hasSize(2);
        Map<String, Object> quiet = listed.get(0);
        Map<String, Object> vip = listed.get(1);
        assertThat(quiet).containsEntry("segmentId", "quiet").containsEntry("syncEnabled", false).containsEntry("memberCount", 1);
        assertThat(quiet.get("firstEnabledAt")).isNull();
        assertThat(vip).containsEntry("segmentId", "vip").containsEntry("syncEnabled", true).containsEntry("memberCount", 2);
        assertThat(vip.get("firstEnabledAt")).isNotNull();
    }

    @Test
    void aSwitchShowsItsFanOutUntilEveryMemberHasBeenReached() {
        api.defineSegment("vip", "VIP");
        api.post(api.fullSet("f1@example.com", T0, "vip"), api.fullSet("f2@example.com", T0, "vip"));
        assertThat(api.listed("vip")).containsEntry("fanningOut", false);

        assertThat(api.syncAnswer("vip", true)).containsEntry("syncEnabled", true).containsEntry("fanningOut", true);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(api.listed("vip")).containsEntry("fanningOut", false));
        assertThat(awaitChanges("f1@example.com", 1).get(0).cause().firstEnable()).isTrue();
    }

    @Test
    void switchingAnUndefinedSegmentIs404() {
        given().auth().oauth2(api.token).contentType(ContentType.JSON).body(Map.of("enabled", true))
                .when().put("/api/accounts/{a}/segments/{s}/sync", api.account, "nope")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void syncBodyWithoutEnabledIs400() {
        api.defineSegment("vip", "VIP");
        given().auth().oauth2(api.token).contentType(ContentType.JSON).body("{}")
                .when().put("/api/accounts/{a}/segments/{s}/sync", api.account, "vip")
                .then().statusCode(400).contentType("application/problem+json");
    }

    private Map<String, Object> preview(String segmentId, String enabled) {
        return given().auth().oauth2(api.token).queryParam("enabled", enabled)
                .when().get("/api/accounts/{a}/segments/{s}/sync/preview", api.account, segmentId)
                .then().statusCode(200).extract().jsonPath().getMap("$");
    }

    @Test
    void aPreviewSaysWhatASwitchWouldDoAndTheSwitchThenDoesIt() {
        api.syncedSegment("vip", "VIP");
        api.defineSegment("bean", "Bean");
        api.post(api.fullSet("new-1@example.com", T0, "bean"), api.fullSet("new-2@example.com", T0, "bean"),
                api.fullSet("listed@example.com", T0, "bean", "vip"), api.fullSet("vip-only@example.com", T0, "vip"));
        awaitChanges(2);

        Map<String, Object> on = preview("bean", "true");
        assertThat(on).containsEntry("changes", true).containsEntry("firstEnable", true).containsEntry("members", 3)
                .containsEntry("addedToList", 2).containsEntry("propertiesChanged", 1).containsEntry("removedFromList", 0);
        // Nothing was switched or emitted by the preview.
        assertThat(api.listed("bean")).containsEntry("syncEnabled", false);
        assertThat(Changes.forAccount(api.account)).hasSize(2);

        api.sync("bean", true);
        List<MembershipChange> changes = awaitChanges(5).subList(2, 5);
        assertThat(changes).filteredOn(c -> c.type() == ChangeType.ADDED).hasSize(2);
        assertThat(changes).filteredOn(c -> c.type() == ChangeType.MOVED).hasSize(1);

        assertThat(preview("bean", "true")).containsEntry("changes", false).containsEntry("addedToList", 0);
        assertThat(preview("vip", "false")).containsEntry("removedFromList", 1).containsEntry("propertiesChanged", 1);
    }

    @Test
    void aPreviewOfAnUndefinedSegmentOrAMalformedSwitchIsAProblem() {
        given().auth().oauth2(api.token).when().get("/api/accounts/{a}/segments/nope/sync/preview", api.account)
                .then().statusCode(404).contentType("application/problem+json");
        api.defineSegment("vip", "VIP");
        given().auth().oauth2(api.token).queryParam("enabled", "yes")
                .when().get("/api/accounts/{a}/segments/vip/sync/preview", api.account)
                .then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(Tokens.forAccounts("someone-else")).when()
                .get("/api/accounts/{a}/segments/vip/sync/preview", api.account).then().statusCode(403);
    }

    @Test
    void resyncIsForOperatorsOnly() {
        given().auth().oauth2(api.token)
                .when().post("/api/accounts/{a}/resync", api.account)
                .then().statusCode(403);
    }

    @Test
    void resyncRestatesEveryContactDownstreamHasSeen() {
        api.syncedSegment("vip", "VIP");
        api.syncedSegment("bean", "Bean");
        api.defineSegment("quiet", "Quiet");
        api.post(api.fullSet("in@example.com", T0, "vip"),
                api.fullSet("both@example.com", T0, "vip", "bean"),
                api.fullSet("bean-only@example.com", T0, "bean"),
                api.fullSet("out@example.com", T0, "vip"),
                api.fullSet("out@example.com", T0.plusSeconds(1), "quiet"),
                api.fullSet("never@example.com", T0, "quiet"));
        awaitChanges(5);

        given().auth().oauth2(Tokens.sre())
                .when().post("/api/accounts/{a}/resync", api.account)
                .then().statusCode(202).contentType(ContentType.JSON);

        // Every member of every synced segment is restated, although nothing changed for any of them.
        Map<String, List<SegmentRef>> members = Map.of(
                "in@example.com", List.of(new SegmentRef("vip", "VIP")),
                "both@example.com", List.of(new SegmentRef("vip", "VIP"), new SegmentRef("bean", "Bean")),
                "bean-only@example.com", List.of(new SegmentRef("bean", "Bean")));
        members.forEach((email, view) -> {
            List<MembershipChange> changes = awaitChanges(email, 2);
            MembershipChange restated = changes.get(1);
            assertThat(restated.type()).as(email).isEqualTo(ChangeType.ADDED);
            assertThat(restated.cause().kind()).as(email).isEqualTo(ChangeCause.Kind.RESYNC);
            assertThat(restated.segmentsAfter()).as(email).containsExactlyElementsOf(view);
            assertThat(restated.version()).as(email).isGreaterThan(changes.get(0).version());
        });
        MembershipChange out = awaitChanges("out@example.com", 3).get(2);
        assertThat(out.type()).isEqualTo(ChangeType.REMOVED);
        assertThat(out.cause().kind()).isEqualTo(ChangeCause.Kind.RESYNC);
        assertThat(awaitChanges(9)).extracting(MembershipChange::email).doesNotContain("never@example.com");
    }

    /** The list's member counts are kept in the transactions that change membership: right through adds, exits and deletions. */
    @Test
    void memberCountsFollowAddsExitsAndDeletions() {
        api.syncedSegment("vip", "VIP");
        api.defineSegment("quiet", "Quiet");
        api.post(api.fullSet("a@example.com", T0, "vip", "quiet"), api.fullSet("b@example.com", T0, "vip"),
                api.fullSet("c@example.com", T0, "quiet"), api.fullSet("d@example.com", T0, "later"));
        assertThat(counts()).containsExactlyInAnyOrderEntriesOf(Map.of("vip", 2, "quiet", 2));

        api.post(api.delta("a@example.com", T0.plusSeconds(1), List.of(), List.of("vip")), api.deletion("b@example.com", T0.plusSeconds(1)),
                api.fullSet("c@example.com", T0.plusSeconds(1), "vip"));
        assertThat(counts()).containsExactlyInAnyOrderEntriesOf(Map.of("vip", 1, "quiet", 1));

        // Re-added after its deletion; a leaving and entering again within one request; a stale event changing nothing.
        api.post(api.fullSet("b@example.com", T0.plusSeconds(2), "vip", "quiet"),
                api.delta("a@example.com", T0.plusSeconds(2), List.of("vip"), List.of()),
                api.delta("a@example.com", T0.plusSeconds(3), List.of(), List.of("vip")),
                api.delta("a@example.com", T0.plusSeconds(4), List.of("vip"), List.of()),
                api.fullSet("c@example.com", T0, "quiet"));
        assertThat(counts()).containsExactlyInAnyOrderEntriesOf(Map.of("vip", 3, "quiet", 2));

        // Members of a segment defined only now were counted all along.
        api.defineSegment("later", "Later");
        assertThat(counts()).containsExactlyInAnyOrderEntriesOf(Map.of("vip", 3, "quiet", 2, "later", 1));
        api.post(api.deletion("d@example.com", T0.plusSeconds(5)), api.deletion("a@example.com", T0.plusSeconds(5)));
        assertThat(counts()).containsExactlyInAnyOrderEntriesOf(Map.of("vip", 2, "quiet", 1, "later", 0));
    }

    private Map<String, Integer> counts() {
        List<Map<String, Object>> listed = given().auth().oauth2(api.token)
                .when().get("/api/accounts/{a}/segments", api.account)
                .then().statusCode(200).contentType(ContentType.JSON)
                .extract().jsonPath().getList("$");
        return listed.stream().collect(java.util.stream.Collectors.toMap(m -> (String) m.get("segmentId"),
                m -> (Integer) m.get("memberCount")));
    }
}
