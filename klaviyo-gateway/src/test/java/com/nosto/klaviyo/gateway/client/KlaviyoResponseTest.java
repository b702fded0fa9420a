package com.nosto.klaviyo.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** How an answer is classified once, so that callers ask the response instead of looking at status codes. */
class KlaviyoResponseTest {

    private static KlaviyoResponse answer(int status, JsonObject... errors) {
        JsonObject body = new JsonObject().put("errors", new JsonArray(java.util.List.of((Object[]) errors)));
        return new KlaviyoResponse(KlaviyoOperation.BULK_IMPORT_PROFILES, KlaviyoResponse.classify(status, body), status, body, null);
    }

    private static JsonObject error(String code, String pointer) {
        return new JsonObject().put("code", code).put("detail", "d").put("source", new JsonObject().put("pointer", pointer));
    }

    @Test
    void aListIsGoneOnA404OrA400NotFoundPointingAtTheListRelationship() {
        assertThat(answer(404, error("not_found", null)).listGone()).isTrue();
        assertThat(answer(400, error("not_found", "/data/relationships/lists/data/0/id")).listGone()).isTrue();
    }

    @Test
    void invalidProfilesOrAnotherNotFoundDoNotMeanTheListIsGone() {
        assertThat(answer(400, error("invalid", "/data/attributes/profiles/data/3/attributes/email")).listGone()).isFalse();
        assertThat(answer(400, error("not_found", "/data/attributes/profiles/data/0/id")).listGone()).isFalse();
        assertThat(answer(400, error("invalid", "/data/relationships/lists/data/0/id")).listGone()).isFalse();
        assertThat(answer(409, error("duplicate_profile", null)).listGone()).isFalse();
    }
}
