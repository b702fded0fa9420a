package com.nosto.klaviyo.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriftClassifierTest {

    static final ListFinding OK = ListFinding.of("L1", true, List.of("L1"));

    static ModelContact model(String email, String id, String... segments) {
        return new ModelContact(email, id, segments.length == 0 ? null : segments[segments.length - 1], List.of(segments));
    }

    static ListedMember listed(String email, String id, String... segments) {
        return new ListedMember(id, email, segments.length == 0 ? null : segments[segments.length - 1], List.of(segments));
    }

    @Test
    void theSameMembersWithTheSamePropertiesAreNoDrift() {
        Drift d = DriftClassifier.classify(OK, List.of(model("a@x.com", "P1", "VIP"), model("b@x.com", null, "A", "B")),
                List.of(listed("A@X.com", "P1", "VIP"), listed("b@x.com", "P2", "A", "B")), Map.of());

        assertThat(d.none()).isTrue();
        assertThat(d.counts()).containsEntry(DriftClass.MISSING, 0).containsEntry(DriftClass.LIST_DUPLICATE, 0);
    }

    @Test
    void aMemberNotListedWhoseProfileExistsIsMissing() {
        List<ModelContact> model = List.of(model("a@x.com", "P1", "VIP"), model("b@x.com", null, "VIP"));
        List<ListedMember> members = List.of(listed("a@x.com", "P1", "VIP"));

        assertThat(DriftClassifier.toLookUp(model, members)).containsExactly("b@x.com");
        Drift d = DriftClassifier.classify(OK, model, members, Map.of("b@x.com", "P2"));

        assertThat(d.missing()).extracting(m -> m.contact().email(), Drift.Missing::profileId).containsExactly(
                org.assertj.core.groups.Tuple.tuple("b@x.com", "P2"));
        assertThat(d.gone()).isEmpty();
        assertThat(d.samples(5)).containsEntry(DriftClass.MISSING, List.of("b@x.com"));
    }

    @Test
    void aListedProfileInNoSyncedSegmentIsForeign() {
        Drift d = DriftClassifier.classify(OK, List.of(), List.of(listed("m@x.com", "P9"), new ListedMember("P8", null, null, null)),
                Map.of());

        assertThat(d.foreign()).extracting(ListedMember::profileId).containsExactly("P9", "P8");
        assertThat(d.counts()).containsEntry(DriftClass.FOREIGN, 2);
    }

    @Test
    void propertiesMissingOfTheWrongTypeOrDifferentAreDrift() {
        List<ModelContact> model = List.of(model("a@x.com", null, "A", "B"), model("b@x.com", null, "A"), model("c@x.com", null, "A"),
                model("d@x.com", null, "A"));
        List<ListedMember> members = List.of(listed("a@x.com", "P1", "B", "A"), new ListedMember("P2", "b@x.com", null, null),
                new ListedMember("P3", "c@x.com", "A", "A"), listed("d@x.com", "P4", "A"));

        Drift d = DriftClassifier.classify(OK, model, members, Map.of());

        assertThat(d.properties()).extracting(ModelContact::email).containsExactly("a@x.com", "b@x.com", "c@x.com");
    }

    @Test
    void aContactAppliedBeforeTheLedgerKeptPropertiesIsAuditedForMembershipOnly() {
        ModelContact legacy = new ModelContact("a@x.com", null, null, null);

        Drift listed = DriftClassifier.classify(OK, List.of(legacy), List.of(new ListedMember("P1", "a@x.com", "whatever", 3)), Map.of());
        Drift notListed = DriftClassifier.classify(OK, List.of(legacy), List.of(), Map.of("a@x.com", "P1"));

        assertThat(listed.none()).isTrue();
        assertThat(notListed.missing()).hasSize(1);
    }

    @Test
    void aDeletedProfileIsGoneAndNotMissing() {
        Drift d = DriftClassifier.classify(OK, List.of(model("a@x.com", "P1", "VIP")), List.of(), Map.of());

        assertThat(d.gone()).containsExactly(new Drift.Gone("a@x.com", "P1", null));
        assertThat(d.missing()).isEmpty();
    }

    @Test
    void aStoredIdKlaviyoNoLongerHasForTheEmailIsGone() {
        Drift listed = DriftClassifier.classify(OK, List.of(model("a@x.com", "P1", "VIP")), List.of(listed("a@x.com", "P7", "VIP")),
                Map.of());
        Drift notListed = DriftClassifier.classify(OK, List.of(model("a@x.com", "P1", "VIP")), List.of(), Map.of("a@x.com", "P7"));

        assertThat(listed.gone()).containsExactly(new Drift.Gone("a@x.com", "P1", "P7"));
        assertThat(listed.missing()).isEmpty();
        assertThat(notListed.gone()).containsExactly(new Drift.Gone("a@x.com", "P1", "P7"));
        assertThat(notListed.missing()).hasSize(1);
    }

    @Test
    void theListIsFoundMissingRenamedOrDuplicated() {
        assertThat(ListFinding.of("L1", true, List.of("L1", "L2")).duplicates()).isEqualTo(1);
        ListFinding renamed = ListFinding.of("L1", true, List.of());
        assertThat(renamed.status()).isEqualTo(ListFinding.Status.RENAMED);
        assertThat(renamed.renameBack()).isTrue();
        assertThat(ListFinding.of("L1", true, List.of("L2")).renameBack()).as("renaming back would duplicate").isFalse();
        ListFinding gone = ListFinding.of("L1", false, List.of());
        assertThat(gone.create()).isTrue();
        assertThat(gone.listId()).isNull();
        ListFinding adopted = ListFinding.of("L1", false, List.of("L3", "L4"));
        assertThat(adopted.create()).isFalse();
        assertThat(adopted.listId()).isEqualTo("L3");
        assertThat(adopted.duplicates()).isEqualTo(1);
        Drift d = DriftClassifier.classify(gone, List.of(), List.of(), Map.of());
        assertThat(d.counts()).containsEntry(DriftClass.LIST_MISSING, 1).containsEntry(DriftClass.LIST_RENAMED, 0);
        assertThat(d.none()).isFalse();
    }
}
