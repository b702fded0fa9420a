package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nosto.klaviyo.events.ChangeType;
import com.nosto.klaviyo.events.ContactState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyncPlannerTest {

    private final SyncPlanner planner = new SyncPlanner(PlanLimits.klaviyoDefaults());

    private static ContactState entering(String email, long version) {
        return new ContactState(email, true, "VIP", List.of("VIP"), version, ChangeType.ADDED);
    }

    private static ContactState leaving(String email, long version, ChangeType change) {
        return new ContactState(email, false, null, List.of(), version, change);
    }

    @Test
    void fewEnteringContactsUseProfileImportAndListAdd() {
        SyncPlan plan = planner.plan(List.of(entering("a@x.com", 1), entering("b@x.com", 1)), Map.of());
        assertThat(plan.upsertMode()).isEqualTo(SyncPlan.UpsertMode.SMALL);
        assertThat(plan.smallUpserts()).extracting(SyncPlan.Upsert::email).containsExactly("a@x.com", "b@x.com");
        assertThat(plan.smallUpserts()).allMatch(SyncPlan.Upsert::needsListAdd);
    }

    @Test
    void movedContactIsUpsertedButNeverAddedOrRemoved() {
        Map<String, LedgerEntry> member = Map.of("m@x.com", new LedgerEntry("m@x.com", 1, "P1", true));
        SyncPlan plan = planner.plan(List.of(new ContactState("m@x.com", true, "B", List.of("A", "B"), 2, ChangeType.MOVED)), member);
        assertThat(plan.smallUpserts()).singleElement().satisfies(u -> {
            assertThat(u.needsListAdd()).isFalse();
            assertThat(u.nostoSegments()).containsExactly("A", "B");
        });
        assertThat(plan.leaving()).isEmpty();
    }

    @Test
    void aMoveOfAContactNotAppliedAsAMemberAlsoAddsItToTheList() {
        // The window that carried its ADDED was not applied first (it waited for an end marker) or at all here:
        // the move must still leave the contact in the list. Seen in CrashE2ETest as "properties set, not listed".
        ContactState moved = new ContactState("m@x.com", true, "B", List.of("A", "B"), 7, ChangeType.MOVED);
        assertThat(planner.plan(List.of(moved), Map.of()).smallUpserts()).singleElement()
                .satisfies(u -> assertThat(u.needsListAdd()).isTrue());
        Map<String, LedgerEntry> left = Map.of("m@x.com", new LedgerEntry("m@x.com", 4, "P1", false));
        assertThat(planner.plan(List.of(moved), left).smallUpserts()).singleElement()
                .satisfies(u -> {
                    assertThat(u.needsListAdd()).isTrue();
                    assertThat(u.change()).isEqualTo(ChangeType.MOVED);
                });
    }

    @Test
    void emailsAreTrimmedAndLowerCased() {
        SyncPlan plan = planner.plan(List.of(entering("  Jane@Example.COM ", 1)), Map.of());
        assertThat(plan.smallUpserts()).extracting(SyncPlan.Upsert::email).containsExactly("jane@example.com");
    }

    @Test
    void staleAndAlreadyAppliedVersionsAreSkipped() {
        Map<String, LedgerEntry> ledger = Map.of(
                "old@x.com", new LedgerEntry("old@x.com", 5, "P1", true),
                "same@x.com", new LedgerEntry("same@x.com", 3, "P2", true));
        SyncPlan plan = planner.plan(List.of(entering("old@x.com", 4), entering("same@x.com", 3), entering("new@x.com", 1)), ledger);
        assertThat(plan.smallUpserts()).extracting(SyncPlan.Upsert::email).containsExactly("new@x.com");
        assertThat(plan.skipped()).extracting(SyncPlan.Skip::email).containsExactlyInAnyOrder("old@x.com", "same@x.com");
    }

    @Test
    void theNewestStateOfAContactInOneBatchWins() {
        SyncPlan plan = planner.plan(List.of(entering("a@x.com", 2), leaving("a@x.com", 3, ChangeType.REMOVED)), Map.of());
        assertThat(plan.upsertCount()).isZero();
        assertThat(plan.leaving()).singleElement().extracting(SyncPlan.Leave::version).isEqualTo(3L);
    }

    @Test
    void leavingContactsCarryTheCachedProfileId() {
        Map<String, LedgerEntry> ledger = Map.of("k@x.com", new LedgerEntry("k@x.com", 1, "PK", true));
        SyncPlan plan = planner.plan(List.of(leaving("k@x.com", 2, ChangeType.DELETED), leaving("u@x.com", 2, ChangeType.REMOVED)), ledger);
        assertThat(plan.leaving()).extracting(SyncPlan.Leave::email, SyncPlan.Leave::knownProfileId, SyncPlan.Leave::change)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("k@x.com", "PK", ChangeType.DELETED),
                        org.assertj.core.groups.Tuple.tuple("u@x.com", null, ChangeType.REMOVED));
    }

    @Test
    void invalidEmailsAreRowErrorsNotCalls() {
        SyncPlan plan = planner.plan(List.of(entering("not-an-email", 1), entering(null, 1)), Map.of());
        assertThat(plan.invalid()).hasSize(2);
        assertThat(plan.upsertCount()).isZero();
    }

    @Test
    void largeBatchesSplitIntoBulkJobsOfAtMostTenThousand() {
        List<ContactState> many = new ArrayList<>();
        for (int i = 0; i < 25_000; i++) {
            many.add(entering("c" + i + "@x.com", 1));
        }
        SyncPlan plan = planner.plan(many, Map.of());
        assertThat(plan.upsertMode()).isEqualTo(SyncPlan.UpsertMode.BULK);
        assertThat(plan.bulkChunks()).extracting(List::size).containsExactly(10_000, 10_000, 5_000);
    }

    @Test
    void bulkJobsAlsoSplitAtFiveMegabytes() {
        String longName = "s".repeat(2_000);
        List<ContactState> many = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            many.add(new ContactState("c" + i + "@x.com", true, longName, List.of(longName), 1, ChangeType.ADDED));
        }
        SyncPlan plan = planner.plan(many, Map.of());
        assertThat(plan.bulkChunks()).hasSizeGreaterThan(1);
        for (List<SyncPlan.Upsert> chunk : plan.bulkChunks()) {
            long bytes = SyncPlanner.JOB_OVERHEAD_BYTES + chunk.stream().mapToLong(SyncPlanner::estimateBytes).sum();
            assertThat(bytes).isLessThanOrEqualTo(5_000_000);
        }
        assertThat(plan.upsertCount()).isEqualTo(3_000);
    }

    @Test
    void estimateIsAnUpperBoundOfTheRealJson() {
        SyncPlan.Upsert u = new SyncPlan.Upsert("someone.long+tag@example.com", "Category affinity: Whole_Bean",
                List.of("Category affinity: Whole_Bean", "VIP \"gold\""), 1, ChangeType.ADDED, null);
        String json = new io.vertx.core.json.JsonObject().put("type", "profile").put("attributes",
                new io.vertx.core.json.JsonObject().put("email", u.email()).put("properties",
                        new com.nosto.klaviyo.gateway.client.NostoProperties(u.nostoSegment(), u.nostoSegments()).toJson())).encode();
        assertThat(SyncPlanner.estimateBytes(u)).isGreaterThan(json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }

    @Test
    void chunksRespectTheSize() {
        assertThat(SyncPlanner.chunks(List.of(1, 2, 3, 4, 5), 2)).containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
    }

    @Test
    void lookupsTakeAHundredShortEmailsButSplitLongOnesByQueryLength() {
        List<String> shortEmails = new ArrayList<>();
        List<String> longEmails = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            shortEmails.add("u" + i + "@x.io");
            longEmails.add("a-rather-long-local-part-" + i + "@a-long-domain-name.example.com");
        }
        assertThat(SyncPlanner.lookupChunks(shortEmails, 100, 3800)).extracting(List::size).containsExactly(100, 100, 50);
        List<List<String>> split = SyncPlanner.lookupChunks(longEmails, 100, 3800);
        assertThat(split).hasSizeGreaterThan(3);
        for (List<String> chunk : split) {
            String filter = "any(email,[" + String.join(",", chunk.stream().map(e -> "\"" + e + "\"").toList()) + "])";
            assertThat(java.net.URLEncoder.encode(filter, java.nio.charset.StandardCharsets.UTF_8).length()).isLessThanOrEqualTo(3830);
        }
    }

    @Test
    void minimumWritesFor25000In3000OutIsSeven() {
        assertThat(SyncPlanner.minimumWrites(25_000, 3_000, PlanLimits.klaviyoDefaults())).isEqualTo(3 + 3 + 1);
    }

    @Test
    void aRestatementIsWrittenInFullEvenWhereTheLedgerSaysThatVersionWasApplied() {
        Map<String, LedgerEntry> member = Map.of("m@x.com", new LedgerEntry("m@x.com", 4, "P1", true),
                "l@x.com", new LedgerEntry("l@x.com", 4, "P2", false), "n@x.com", new LedgerEntry("n@x.com", 5, "P3", true));
        SyncPlan plan = planner.plan(List.of(
                new ContactState("m@x.com", true, "B", List.of("A", "B"), 4, ChangeType.MOVED, true),
                new ContactState("l@x.com", false, null, List.of(), 4, ChangeType.REMOVED, true),
                new ContactState("n@x.com", true, "B", List.of("B"), 4, ChangeType.ADDED, true)), member);
        assertThat(plan.smallUpserts()).singleElement().satisfies(u -> {
            assertThat(u.email()).isEqualTo("m@x.com");
            assertThat(u.needsListAdd()).as("a restated member is added to the list again").isTrue();
        });
        assertThat(plan.leaving()).extracting(SyncPlan.Leave::email).containsExactly("l@x.com");
        assertThat(plan.skipped()).as("an older version than applied is stale even when restated")
                .extracting(SyncPlan.Skip::email).containsExactly("n@x.com");
        SyncPlan notRestated = planner.plan(List.of(new ContactState("m@x.com", true, "B", List.of("A", "B"), 4, ChangeType.MOVED)),
                member);
        assertThat(notRestated.skipped()).hasSize(1);
    }

    @Test
    void aWindowAppliedInPartsUpsertsAndUnsetsEvenASmallRemainderInBulk() {
        SyncPlanner.Decisions d = planner.decide(List.of(entering("a@x.com", 1), leaving("b@x.com", 1, ChangeType.REMOVED)), Map.of());
        assertThat(planner.shape(d.upserts(), d.leaving(), d.skipped(), d.invalid(), false).upsertMode())
                .isEqualTo(SyncPlan.UpsertMode.SMALL);
        SyncPlan inParts = planner.shape(d.upserts(), d.leaving(), d.skipped(), d.invalid(), true);
        assertThat(inParts.upsertMode()).isEqualTo(SyncPlan.UpsertMode.BULK);
        assertThat(inParts.inParts()).isTrue();
    }
}
