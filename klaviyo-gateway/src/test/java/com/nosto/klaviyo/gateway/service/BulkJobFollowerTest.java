package com.nosto.klaviyo.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How an import error of a bulk job is matched to the submitted row it is about. */
class BulkJobFollowerTest {

    private static final List<String> SUBMITTED = List.of("a@example.com", "b@example.com", "c@example.com");

    @Test
    void theOriginalPayloadsEmailNamesTheRowNormalised() {
        JsonObject error = new JsonObject().put("original_payload", new JsonObject().put("email", " B@Example.com "));

        assertThat(BulkJobFollower.errorEmail(error, SUBMITTED)).isEqualTo("b@example.com");
    }

    @Test
    void anEmailUnderThePayloadsAttributesAlsoNamesTheRow() {
        JsonObject error = new JsonObject().put("original_payload",
                new JsonObject().put("attributes", new JsonObject().put("email", "c@example.com")));

        assertThat(BulkJobFollower.errorEmail(error, SUBMITTED)).isEqualTo("c@example.com");
    }

    @Test
    void withoutAnEmailTheSourcePointerNamesTheRowByPosition() {
        JsonObject error = new JsonObject().put("source",
                new JsonObject().put("pointer", "/data/attributes/profiles/data/1/attributes/email"));

        assertThat(BulkJobFollower.errorEmail(error, SUBMITTED)).isEqualTo("b@example.com");
    }

    @Test
    void aPointerPastTheSubmittedRowsOrNoHintAtAllNamesNoRow() {
        JsonObject outOfRange = new JsonObject().put("source", new JsonObject().put("pointer", "/data/attributes/profiles/data/9"));

        assertThat(BulkJobFollower.errorEmail(outOfRange, SUBMITTED)).isNull();
        assertThat(BulkJobFollower.errorEmail(new JsonObject(), SUBMITTED)).isNull();
    }

    @Test
    void profileIndexReadsTheRowNumberOfABulkRequestPointer() {
        assertThat(BulkJobFollower.profileIndex("/data/attributes/profiles/data/7/attributes/email")).isEqualTo(7);
        assertThat(BulkJobFollower.profileIndex("/data/attributes/list")).isNull();
        assertThat(BulkJobFollower.profileIndex(null)).isNull();
    }
}
