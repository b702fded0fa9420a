package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepairPlanTest {

    static final PlanLimits LIMITS = PlanLimits.klaviyoDefaults();
    static final ListFinding OK = ListFinding.of("L1", true, List.of("L1"));

    @Test
    void noDriftWritesNothing() {
        RepairPlan plan = RepairPlan.of(new Drift(OK, List.of(), List.of(), List.of(), List.of()), LIMITS);

        assertThat(plan.writes()).isZero();
        assertThat(plan.writesByOperation()).isEmpty();
        assertThat(plan.ledgerFixes()).isEmpty();
    }

    @Test
    void missingAndWrongPropertiesGoInOneBulkJobPer10000WithTheList() {
        List<Drift.Missing> missing = new ArrayList<>();
        for (int i = 0; i < 12_000; i++) {
            missing.add(new Drift.Missing(DriftClassifierTest.model("m" + i + "@x.com", null, "VIP"), "P" + i));
        }
        List<ModelContact> wrong = List.of(DriftClassifierTest.model("w@x.com", "PW", "A", "B"));
        Drift d = new Drift(OK, missing, wrong, List.of(), List.of());

        RepairPlan plan = RepairPlan.of(d, LIMITS);

        assertThat(plan.writesByOperation()).containsExactly(Map.entry(RepairPlan.BULK_IMPORT, 2));
        assertThat(plan.upsertJobs().stream().mapToInt(List::size).sum()).isEqualTo(12_001);
        assertThat(plan.upsertJobs().get(1)).anySatisfy(u -> {
            assertThat(u.email()).isEqualTo("w@x.com");
            assertThat(u.nostoSegments()).containsExactly("A", "B");
            assertThat(u.nostoSegment()).isEqualTo("B");
        });
        assertThat(plan.writes()).isEqualTo(RepairPlan.minimumWrites(d, LIMITS));
    }

    @Test
    void foreignMembersAreRemovedByIdAndOnlyThoseCarryingNostoPropertiesAreUnset() {
        List<ListedMember> foreign = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            foreign.add(new ListedMember("P" + i, "f" + i + "@x.com", i < 10 ? "VIP" : null, null));
        }
        Drift d = new Drift(OK, List.of(), List.of(), foreign, List.of());

        RepairPlan plan = RepairPlan.of(d, LIMITS);

        assertThat(plan.removals()).hasSize(2);
        assertThat(plan.removals().get(0)).hasSize(1000);
        assertThat(plan.unsetJobs()).hasSize(1);
        assertThat(plan.unsetJobs().get(0)).hasSize(10);
        assertThat(plan.writesByOperation()).containsEntry(RepairPlan.REMOVE_FROM_LIST, 2).containsEntry(RepairPlan.BULK_IMPORT, 1);
        assertThat(plan.writes()).isEqualTo(3).isEqualTo(RepairPlan.minimumWrites(d, LIMITS));
    }

    @Test
    void aMissingListIsCreatedAndEveryMemberPutBackInTheSameJobs() {
        ListFinding gone = ListFinding.of("L1", false, List.of());
        List<Drift.Missing> all = List.of(new Drift.Missing(DriftClassifierTest.model("a@x.com", "P1", "VIP"), "P1"),
                new Drift.Missing(new ModelContact("legacy@x.com", "P2", null, null), "P2"));

        RepairPlan plan = RepairPlan.of(new Drift(gone, all, List.of(), List.of(), List.of()), LIMITS);

        assertThat(plan.createList()).isTrue();
        assertThat(plan.writesByOperation()).containsEntry(RepairPlan.CREATE_LIST, 1).containsEntry(RepairPlan.BULK_IMPORT, 1)
                .containsEntry(RepairPlan.ADD_TO_LIST, 1);
        assertThat(plan.listAdds()).containsExactly(List.of("P2"));
    }

    @Test
    void aRenamedListIsRenamedBackOnceAndDuplicatesAreNeverDeleted() {
        assertThat(RepairPlan.of(new Drift(ListFinding.of("L1", true, List.of()), List.of(), List.of(), List.of(), List.of()), LIMITS)
                .writesByOperation()).containsExactly(Map.entry(RepairPlan.UPDATE_LIST, 1));
        assertThat(RepairPlan.of(new Drift(ListFinding.of("L1", true, List.of("L1", "L2")), List.of(), List.of(), List.of(), List.of()),
                LIMITS).writes()).isZero();
    }

    @Test
    void goneProfilesCostNoWriteAndCorrectTheLedger() {
        Drift d = new Drift(OK, List.of(), List.of(), List.of(),
                List.of(new Drift.Gone("a@x.com", "P1", null), new Drift.Gone("b@x.com", "P2", "P7")));

        RepairPlan plan = RepairPlan.of(d, LIMITS);

        assertThat(plan.writes()).isZero();
        assertThat(plan.ledgerFixes()).containsExactly(new RepairPlan.LedgerFix("a@x.com", null, false),
                new RepairPlan.LedgerFix("b@x.com", "P7", true));
    }
}
