package com.nosto.klaviyo.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SyncBatchParseTest {

    @Test
    void acceptsAValidBatch() {
        var batch = SyncBatchConsumer.parse("""
                {"schemaVersion":1,"batchId":"acme/w1/0/0","accountId":"acme","windowId":"w1","windowKind":"REGULAR",
                 "sequence":0,"contacts":[{"email":"a@x.com","inList":true,"nostoSegment":"VIP","nostoSegments":["VIP"],
                 "version":1,"change":"ADDED"}]}""");
        assertThat(batch.contacts()).hasSize(1);
    }

    @Test
    void acceptsAnEndMarkerWithoutContacts() {
        var batch = SyncBatchConsumer.parse("""
                {"schemaVersion":1,"batchId":"acme/w1/3/7","accountId":"acme","windowId":"w1","windowKind":"REGULAR",
                 "sequence":7,"contacts":[],"sourcePartition":3,"last":true,"windowPartitions":6}""");
        assertThat(batch.contacts()).isEmpty();
        assertThat(batch.endsPartition()).isTrue();
        assertThat(batch.sourcePartition()).isEqualTo(3);
        assertThat(batch.windowPartitions()).isEqualTo(6);
    }

    @Test
    void aBatchOfAnOlderProducerHasNoMarkerFields() {
        var batch = SyncBatchConsumer.parse("""
                {"schemaVersion":1,"batchId":"acme/w1/0/0","accountId":"acme","windowId":"w1","windowKind":"REGULAR",
                 "sequence":0,"contacts":[]}""");
        assertThat(batch.sourcePartition()).isNull();
        assertThat(batch.endsPartition()).isFalse();
    }

    @Test
    void rejectsNonJsonWithAReason() {
        assertThatThrownBy(() -> SyncBatchConsumer.parse("{not json")).hasMessageContaining("not a SyncBatch");
    }

    @Test
    void rejectsMissingIds() {
        assertThatThrownBy(() -> SyncBatchConsumer.parse("{\"schemaVersion\":1,\"contacts\":[]}"))
                .hasMessageContaining("batchId, accountId and windowId are required");
    }

    @Test
    void rejectsAnUnknownSchemaVersion() {
        assertThatThrownBy(() -> SyncBatchConsumer.parse(
                "{\"schemaVersion\":9,\"batchId\":\"b\",\"accountId\":\"a\",\"windowId\":\"w\",\"contacts\":[]}"))
                .hasMessageContaining("unsupported schemaVersion 9");
    }
}
